// The fixed header (MQTT 3.1.1 section 2.2) and framing: next_frame(), decode_one(), and the
// remaining-length encoding at every byte-count boundary of the table in section 2.2.3.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>

#include "broker/codec/codec.hpp"

namespace fabomatic::broker {
namespace {

using Status = FrameResult::Status;
constexpr std::size_t kNoLimit = kMaxRemainingLength + 5;
// The last enumerator of DecodeError; extend the tests below when one is added after it.
constexpr DecodeError kLastDecodeError = DecodeError::invalid_connack;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

// A PUBLISH first byte followed by the given remaining-length bytes and no body.
std::string publish_header(std::initializer_list<int> length_bytes) {
  return bytes({0x30}) + bytes(length_bytes);
}

// --- remaining length (MQTT 2.2.3, table 2.4) ------------------------------------------------

struct LengthCase {
  std::uint32_t value;
  std::string encoded;
};

TEST(CodecFrame, RemainingLengthTableBoundariesDecode) {
  const LengthCase cases[] = {
      {0, bytes({0x00})},
      {127, bytes({0x7F})},
      {128, bytes({0x80, 0x01})},
      {16'383, bytes({0xFF, 0x7F})},
      {16'384, bytes({0x80, 0x80, 0x01})},
      {2'097'151, bytes({0xFF, 0xFF, 0x7F})},
      {2'097'152, bytes({0x80, 0x80, 0x80, 0x01})},
      {268'435'455, bytes({0xFF, 0xFF, 0xFF, 0x7F})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    const auto header = bytes({0x30}) + c.encoded;
    const auto r = next_frame(header, kNoLimit);
    ASSERT_TRUE(r.header_known);
    EXPECT_EQ(r.header.remaining_length, c.value);
    EXPECT_EQ(r.header.header_size, 1 + c.encoded.size());
    EXPECT_EQ(r.header.frame_size(), 1 + c.encoded.size() + c.value);
    EXPECT_EQ(r.header.type(), PacketType::publish);
    EXPECT_EQ(r.status, c.value == 0 ? Status::complete : Status::incomplete);
    EXPECT_EQ(r.error, DecodeError::none);
  }
}

TEST(CodecFrame, RemainingLengthTableBoundariesEncode) {
  // A PUBLISH with a 1-byte topic at QoS 0 has remaining length 3 + payload size.
  for (std::uint32_t length : {3u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u}) {
    SCOPED_TRACE(length);
    const std::string payload(length - 3, 'x');
    std::string out;
    encode(PublishPacket{.topic = "t", .payload = payload}, out);
    const auto r = next_frame(out, kNoLimit);
    ASSERT_EQ(r.status, Status::complete);
    EXPECT_EQ(r.header.remaining_length, length);
    const std::size_t length_bytes = length < 128         ? 1
                                     : length < 16'384    ? 2
                                     : length < 2'097'152 ? 3
                                                          : 4;
    EXPECT_EQ(r.header.header_size, 1 + length_bytes);
    EXPECT_EQ(out.size(), 1 + length_bytes + length);
    const auto d = decode(r.header, out);
    ASSERT_TRUE(d.ok()) << to_string(d.error);
    EXPECT_EQ(std::get<PublishPacket>(d.packet).payload.size(), payload.size());
  }
}

TEST(CodecFrame, Section_2_2_3_FifthLengthByteIsMalformed) {
  const auto r = next_frame(publish_header({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), kNoLimit);
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.error, DecodeError::malformed_remaining_length);
  // Known as soon as the fourth length byte says "more follows", before any fifth byte.
  const auto early = next_frame(publish_header({0x80, 0x80, 0x80, 0x80}), kNoLimit);
  EXPECT_EQ(early.status, Status::error);
  EXPECT_EQ(early.error, DecodeError::malformed_remaining_length);
  EXPECT_EQ(decode_one(publish_header({0x80, 0x80, 0x80, 0x80, 0x00})).error,
            DecodeError::malformed_remaining_length);
}

TEST(CodecFrame, Section_2_2_3_NonMinimalRemainingLengthIsAccepted) {
  // MQTT 3.1.1, unlike MQTT 5 (MQTT-1.5.5-1), does not require the fewest length bytes.
  const auto frame = bytes({0xC0, 0x80, 0x00});
  const auto r = next_frame(frame, 1024);
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.header.remaining_length, 0u);
  EXPECT_EQ(r.header.header_size, 3);
  EXPECT_TRUE(decode_one(frame).ok());
}

// --- next_frame: completeness --------------------------------------------------------------

TEST(CodecFrame, EmptyInputIsIncomplete) {
  const auto r = next_frame("", 1024);
  EXPECT_EQ(r.status, Status::incomplete);
  EXPECT_FALSE(r.header_known);
  EXPECT_EQ(r.error, DecodeError::none);
}

TEST(CodecFrame, IncompleteHeaderIsNotKnown) {
  for (const auto& partial : {bytes({0x30}), publish_header({0x80}), publish_header({0x80, 0x80}),
                              publish_header({0xFF, 0xFF, 0xFF})}) {
    const auto r = next_frame(partial, kNoLimit);
    EXPECT_EQ(r.status, Status::incomplete) << partial.size();
    EXPECT_FALSE(r.header_known) << partial.size();
    EXPECT_EQ(r.error, DecodeError::none);
  }
}

TEST(CodecFrame, IncompleteBodyKnowsTheHeader) {
  // PUBACK, packet id 0x1234, one body byte missing.
  const auto r = next_frame(bytes({0x40, 0x02, 0x12}), 1024);
  EXPECT_EQ(r.status, Status::incomplete);
  ASSERT_TRUE(r.header_known);
  EXPECT_EQ(r.header.type(), PacketType::puback);
  EXPECT_EQ(r.header.frame_size(), 4u);
}

TEST(CodecFrame, ExactlyOneFrame) {
  const auto frame = bytes({0x40, 0x02, 0x12, 0x34});
  const auto r = next_frame(frame, 1024);
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_TRUE(r.header_known);
  EXPECT_EQ(r.header.first_byte, 0x40);
  EXPECT_EQ(r.header.flags(), 0);
  EXPECT_EQ(r.header.remaining_length, 2u);
  EXPECT_EQ(r.header.header_size, 2);
  EXPECT_EQ(r.header.frame_size(), frame.size());
}

TEST(CodecFrame, TwoFramesBackToBack) {
  // PINGREQ, then PUBLISH QoS 0 "a/b" with payload "hi".
  const auto second = bytes({0x30, 0x07, 0x00, 0x03}) + "a/bhi";
  const auto stream = bytes({0xC0, 0x00}) + second;
  const auto first = next_frame(stream, 1024);
  ASSERT_EQ(first.status, Status::complete);
  EXPECT_EQ(first.header.frame_size(), 2u);
  const auto d1 = decode(first.header, stream);
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(type_of(d1.packet), PacketType::pingreq);

  const std::string_view rest = std::string_view(stream).substr(first.header.frame_size());
  const auto next = next_frame(rest, 1024);
  ASSERT_EQ(next.status, Status::complete);
  EXPECT_EQ(next.header.frame_size(), second.size());
  const auto d2 = decode(next.header, rest);
  ASSERT_TRUE(d2.ok()) << to_string(d2.error);
  const auto& publish = std::get<PublishPacket>(d2.packet);
  EXPECT_EQ(publish.topic, "a/b");
  EXPECT_EQ(publish.payload, "hi");
}

TEST(CodecFrame, DecodeUsesOnlyItsOwnFrameOfALongerBuffer) {
  // A PUBLISH payload runs to the end of its frame, not to the end of the buffer.
  const auto stream = bytes({0x30, 0x05, 0x00, 0x01}) + "tAB" + bytes({0xC0, 0x00});
  const auto f = next_frame(stream, 1024);
  ASSERT_EQ(f.status, Status::complete);
  const auto d = decode(f.header, stream);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<PublishPacket>(d.packet).payload, "AB");
}

TEST(CodecFrame, DecodeOfAFrameShorterThanItsHeaderSaysIsTruncated) {
  // decode() is public: a caller that hands it less than the frame must get an error, not a
  // shortened payload or an exception.
  const auto frame = bytes({0x30, 0x05, 0x00, 0x01}) + "tAB";
  const auto f = next_frame(frame, 1024);
  ASSERT_EQ(f.status, Status::complete);
  EXPECT_EQ(decode(f.header, std::string_view(frame).substr(0, 6)).error, DecodeError::truncated);
  EXPECT_EQ(decode(f.header, std::string_view(frame).substr(0, 1)).error, DecodeError::truncated);
  EXPECT_EQ(decode(f.header, "").error, DecodeError::truncated);
}

// --- next_frame: size limit ----------------------------------------------------------------

TEST(CodecFrame, PacketTooLargeIsDecidedFromTheHeaderAlone) {
  // Header of a PUBLISH announcing 1000 body bytes; none of them has arrived.
  const auto header = publish_header({0xE8, 0x07});
  const auto r = next_frame(header, 100);
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.error, DecodeError::packet_too_large);
  EXPECT_TRUE(r.header_known);
  EXPECT_EQ(r.header.remaining_length, 1000u);
  // The largest remaining length is rejected the same way without a 256 MB buffer.
  EXPECT_EQ(next_frame(publish_header({0xFF, 0xFF, 0xFF, 0x7F}), 1 << 20).error,
            DecodeError::packet_too_large);
}

TEST(CodecFrame, MaxPacketSizeBoundsTheWholeFrame) {
  // PUBLISH "t" with a 10-byte payload: remaining length 13, frame 15 bytes.
  std::string frame;
  encode(PublishPacket{.topic = "t", .payload = "0123456789"}, frame);
  ASSERT_EQ(frame.size(), 15u);
  EXPECT_EQ(next_frame(frame, 15).status, Status::complete);
  EXPECT_EQ(next_frame(frame, 16).status, Status::complete);
  const auto over = next_frame(frame, 14);
  EXPECT_EQ(over.status, Status::error);
  EXPECT_EQ(over.error, DecodeError::packet_too_large);
  EXPECT_EQ(decode_one(frame, 14).error, DecodeError::packet_too_large);
  EXPECT_TRUE(decode_one(frame, 15).ok());
}

// --- packet type and flags (MQTT 2.2.1, 2.2.2) -----------------------------------------------

TEST(CodecFrame, Section_2_2_1_ReservedPacketTypesAreRejected) {
  for (int first : {0x00, 0x0F, 0xF0, 0xFF}) {
    const auto r = next_frame(bytes({first, 0x00}), 1024);
    EXPECT_EQ(r.status, Status::error) << first;
    EXPECT_EQ(r.error, DecodeError::reserved_packet_type) << first;
    EXPECT_EQ(decode_one(bytes({first, 0x00})).error, DecodeError::reserved_packet_type);
  }
  // Known from the first byte alone.
  EXPECT_EQ(next_frame(bytes({0xF0}), 1024).error, DecodeError::reserved_packet_type);
}

TEST(CodecFrame, DecodeRejectsAReservedTypeInAHandMadeHeader) {
  FixedHeader header;
  header.first_byte = 0xF0;
  header.header_size = 2;
  EXPECT_EQ(decode(header, bytes({0xF0, 0x00})).error, DecodeError::reserved_packet_type);
}

// The flags every type but PUBLISH must carry (table 2.2).
int required_flags(int type) {
  return type == 6 || type == 8 || type == 10 ? 0x2 : 0x0;
}

TEST(CodecFrame, MQTT_2_2_2_1_ReservedFlagsMustHaveTheirValueForEveryType) {
  for (int type = 1; type <= 14; ++type) {
    if (type == 3) continue;  // PUBLISH flags are DUP/QoS/RETAIN
    for (int flags = 0; flags < 16; ++flags) {
      const auto r = next_frame(bytes({type << 4 | flags, 0x00}), 1024);
      if (flags == required_flags(type)) {
        EXPECT_NE(r.error, DecodeError::invalid_header_flags) << type << "/" << flags;
      } else {
        EXPECT_EQ(r.status, Status::error) << type << "/" << flags;
        EXPECT_EQ(r.error, DecodeError::invalid_header_flags) << type << "/" << flags;
      }
    }
  }
}

TEST(CodecFrame, MQTT_2_2_2_2_InvalidFlagsAreKnownFromTheFirstByte) {
  EXPECT_EQ(next_frame(bytes({0x41}), 1024).error, DecodeError::invalid_header_flags);
  EXPECT_EQ(decode_one(bytes({0x41, 0x02, 0x00, 0x01})).error, DecodeError::invalid_header_flags);
}

TEST(CodecFrame, MQTT_3_6_1_1_PubrelFlagsMustBe0010) {
  EXPECT_TRUE(decode_one(bytes({0x62, 0x02, 0x00, 0x01})).ok());
  EXPECT_EQ(decode_one(bytes({0x60, 0x02, 0x00, 0x01})).error, DecodeError::invalid_header_flags);
}

TEST(CodecFrame, MQTT_3_8_1_1_SubscribeFlagsMustBe0010) {
  const auto body = bytes({0x06, 0x00, 0x01, 0x00, 0x01}) + "a" + bytes({0x00});
  EXPECT_TRUE(decode_one(bytes({0x82}) + body).ok());
  EXPECT_EQ(decode_one(bytes({0x80}) + body).error, DecodeError::invalid_header_flags);
}

TEST(CodecFrame, MQTT_3_10_1_1_UnsubscribeFlagsMustBe0010) {
  const auto body = bytes({0x05, 0x00, 0x01, 0x00, 0x01}) + "a";
  EXPECT_TRUE(decode_one(bytes({0xA2}) + body).ok());
  EXPECT_EQ(decode_one(bytes({0xA0}) + body).error, DecodeError::invalid_header_flags);
}

TEST(CodecFrame, MQTT_3_14_1_1_DisconnectReservedBitsMustBeZero) {
  EXPECT_TRUE(decode_one(bytes({0xE0, 0x00})).ok());
  EXPECT_EQ(decode_one(bytes({0xE1, 0x00})).error, DecodeError::invalid_header_flags);
}

// --- decode_one ------------------------------------------------------------------------------

TEST(CodecFrame, DecodeOneReportsAnIncompleteFrameAsTruncated) {
  EXPECT_EQ(decode_one(bytes({0x40})).error, DecodeError::truncated);
  EXPECT_EQ(decode_one(bytes({0x40, 0x02, 0x00})).error, DecodeError::truncated);
}

TEST(CodecFrame, DecodeOneReportsBytesAfterTheFrameAsTrailing) {
  EXPECT_EQ(decode_one(bytes({0xC0, 0x00, 0xC0, 0x00})).error, DecodeError::trailing_bytes);
}

// --- error names -----------------------------------------------------------------------------

TEST(CodecFrame, EveryDecodeErrorHasItsOwnName) {
  std::set<std::string_view> names;
  const auto last = static_cast<int>(kLastDecodeError);
  for (int e = 0; e <= last; ++e) {
    const auto name = to_string(static_cast<DecodeError>(e));
    EXPECT_NE(name, "unknown error") << e;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(CodecFrame, OnlyAnUnsupportedProtocolLevelIsAnsweredWithAConnack) {
  const auto last = static_cast<int>(kLastDecodeError);
  for (int e = 0; e <= last; ++e) {
    const auto error = static_cast<DecodeError>(e);
    const auto code = connack_code_for(error);
    if (error == DecodeError::unsupported_protocol_level) {
      EXPECT_EQ(code, ConnectReturnCode::unacceptable_protocol_version);
    } else {
      EXPECT_FALSE(code.has_value()) << to_string(error);
    }
  }
}

TEST(CodecFrame, EveryPacketTypeHasItsSpecName) {
  const char* names[] = {"CONNECT",  "CONNACK", "PUBLISH",   "PUBACK",    "PUBREC",
                         "PUBREL",   "PUBCOMP", "SUBSCRIBE", "SUBACK",    "UNSUBSCRIBE",
                         "UNSUBACK", "PINGREQ", "PINGRESP",  "DISCONNECT"};
  for (int type = 1; type <= 14; ++type) {
    EXPECT_EQ(to_string(static_cast<PacketType>(type)), names[type - 1]);
  }
}

}  // namespace
}  // namespace fabomatic::broker
