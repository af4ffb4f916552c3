// PUBLISH (MQTT 3.1.1 section 3.3) and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP
// (sections 3.4 to 3.7): spec byte sequences, round trips, one test per rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "broker/codec/codec.hpp"

namespace fabomatic::broker {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

std::string field(std::string_view text) {
  return bytes({static_cast<int>(text.size() >> 8), static_cast<int>(text.size() & 0xFF)}) +
         std::string(text);
}

// A whole packet: first byte, remaining length (written here independently of the codec), body.
std::string frame(int first_byte, std::string_view body) {
  std::string out(1, static_cast<char>(first_byte));
  std::size_t n = body.size();
  do {
    auto digit = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) digit |= 0x80;
    out.push_back(static_cast<char>(digit));
  } while (n > 0);
  out.append(body);
  return out;
}

DecodeError error_of(std::string_view frame) {
  return decode_one(frame).error;
}

PublishPacket decode_publish_ok(std::string_view frame) {
  const auto r = decode_one(frame);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  if (!r.ok()) return {};
  return std::get<PublishPacket>(r.packet);
}

std::string encoded(const PublishPacket& p) {
  std::string out;
  encode(p, out);
  return out;
}

// --- byte sequences from the specification -----------------------------------------------------

TEST(CodecPublish, DecodesTheVariableHeaderExampleOfSection3_3_2_3) {
  // Topic "a/b", packet identifier 10, at QoS 1; then a 3-byte payload.
  const auto packet = bytes({0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'x', 'y', 'z'});
  const auto p = decode_publish_ok(packet);
  EXPECT_FALSE(p.dup);
  EXPECT_EQ(p.qos, 1);
  EXPECT_FALSE(p.retain);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 10);
  EXPECT_EQ(p.payload, "xyz");
}

TEST(CodecPublish, EncodesTheVariableHeaderExampleOfSection3_3_2_3) {
  EXPECT_EQ(encoded({.qos = 1, .topic = "a/b", .packet_id = 10, .payload = "xyz"}),
            bytes({0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'x', 'y', 'z'}));
  EXPECT_EQ(encoded({.dup = true, .qos = 2, .retain = true, .topic = "t", .packet_id = 0x0102}),
            bytes({0x3D, 0x05, 0x00, 0x01, 't', 0x01, 0x02}));
}

TEST(CodecPublish, MQTT_2_3_1_5_Qos0HasNoPacketIdentifier) {
  // The two bytes after the topic are payload, even when they read as identifier 0.
  const auto packet = bytes({0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x00});
  const auto p = decode_publish_ok(packet);
  EXPECT_EQ(p.qos, 0);
  EXPECT_EQ(p.packet_id, 0);
  EXPECT_EQ(p.payload, std::string(2, '\0'));
  EXPECT_EQ(encoded({.topic = "a/b", .packet_id = 77, .payload = "p"}),
            bytes({0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 'p'}));
}

TEST(CodecPublish, DecodesEveryValidFlagCombination) {
  for (int flags = 0; flags < 16; ++flags) {
    const int qos = (flags >> 1) & 3;
    const bool dup = flags & 8;
    if (qos == 3 || (qos == 0 && dup)) continue;
    std::string body = field("t");
    if (qos > 0) body += bytes({0x00, 0x07});
    const auto packet = frame(0x30 | flags, body + "m");
    const auto p = decode_publish_ok(packet);
    EXPECT_EQ(p.qos, qos) << flags;
    EXPECT_EQ(p.dup, dup) << flags;
    EXPECT_EQ(p.retain, (flags & 1) != 0) << flags;
    EXPECT_EQ(p.packet_id, qos > 0 ? 7 : 0) << flags;
    EXPECT_EQ(p.payload, "m") << flags;
  }
}

// --- round trips and encoded_size --------------------------------------------------------------

void expect_round_trip(const PublishPacket& in) {
  const auto out = encoded(in);
  EXPECT_EQ(encoded_size(in), out.size());
  const auto p = decode_publish_ok(out);
  EXPECT_EQ(p.dup, in.dup);
  EXPECT_EQ(p.qos, in.qos);
  EXPECT_EQ(p.retain, in.retain);
  EXPECT_EQ(p.topic, in.topic);
  EXPECT_EQ(p.packet_id, in.qos > 0 ? in.packet_id : 0);
  EXPECT_EQ(p.payload, in.payload);
  EXPECT_EQ(encoded(p), out);
}

TEST(CodecPublish, RoundTrips) {
  const std::string with_nuls("\0{\"uid\":\0}\0", 11);
  expect_round_trip({.topic = "machine/1", .payload = "{}"});
  expect_round_trip({.qos = 1, .topic = "machine/1/reply", .packet_id = 1, .payload = with_nuls});
  expect_round_trip({.dup = true, .qos = 2, .retain = true, .topic = "x", .packet_id = 65535});
  expect_round_trip({.retain = true, .topic = "$SYS/broker/uptime", .payload = "1"});
  expect_round_trip({.topic = "/", .payload = ""});
  expect_round_trip({.topic = "caf\xC3\xA9/\xF0\x9F\x98\x80", .payload = "\xFF\xFE"});
}

TEST(CodecPublish, AZeroLengthPayloadSurvives) {
  const auto packet = encoded({.qos = 1, .topic = "t", .packet_id = 3});
  const auto p = decode_publish_ok(packet);
  EXPECT_TRUE(p.payload.empty());
  EXPECT_EQ(p.packet_id, 3);
  // QoS 0 and empty: the frame ends with the topic.
  EXPECT_EQ(encoded({.topic = "t"}), bytes({0x30, 0x03, 0x00, 0x01, 't'}));
  EXPECT_TRUE(decode_publish_ok(bytes({0x30, 0x03, 0x00, 0x01, 't'})).payload.empty());
}

TEST(CodecPublish, APayloadOfNulBytesSurvives) {
  const std::string payload(1000, '\0');
  const auto packet = encoded({.topic = "t", .payload = payload});
  const auto p = decode_publish_ok(packet);
  EXPECT_EQ(p.payload, payload);
}

TEST(CodecPublish, EncodedSizeEqualsTheEncodedLength) {
  // Payload sizes around each remaining-length boundary, with and without a packet id.
  const std::string topic = "machine/42/status";
  for (std::uint8_t qos = 0; qos <= 2; ++qos) {
    const std::size_t overhead = 2 + topic.size() + (qos > 0 ? 2 : 0);
    for (std::size_t boundary : {0u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u}) {
      for (std::size_t length : {boundary - 1, boundary, boundary + 1}) {
        if (boundary == 0 || length < overhead) continue;
        const std::string payload(length - overhead, 'p');
        const PublishPacket p{.qos = qos, .topic = topic, .packet_id = 9, .payload = payload};
        EXPECT_EQ(encoded_size(p), encoded(p).size()) << int{qos} << "/" << length;
      }
    }
  }
}

TEST(CodecPublish, EncodeAppendsToWhatIsThere) {
  std::string out = "xy";
  encode(PublishPacket{.topic = "t"}, out);
  EXPECT_EQ(out, "xy" + bytes({0x30, 0x03, 0x00, 0x01, 't'}));
}

TEST(CodecPublish, TheLongestTopicNameRoundTrips) {
  const std::string topic(65535, 'a');
  expect_round_trip({.qos = 1, .topic = topic, .packet_id = 5, .payload = "p"});
}

// --- fixed header rules (MQTT 3.3.1) -----------------------------------------------------------

TEST(CodecPublish, MQTT_3_3_1_2_DupMustBeZeroAtQos0) {
  EXPECT_EQ(error_of(frame(0x38, field("t"))), DecodeError::dup_on_qos0);
  EXPECT_EQ(error_of(frame(0x39, field("t") + "m")), DecodeError::dup_on_qos0);
}

TEST(CodecPublish, MQTT_3_3_1_4_QosMustNotBe3) {
  for (int first : {0x36, 0x37, 0x3E, 0x3F}) {
    EXPECT_EQ(error_of(frame(first, field("t") + bytes({0x00, 0x01}))), DecodeError::invalid_qos)
        << first;
  }
}

// --- topic name (MQTT 3.3.2.1) -----------------------------------------------------------------

TEST(CodecPublish, MQTT_3_3_2_1_TopicNameMustBeValidUtf8) {
  EXPECT_EQ(error_of(frame(0x30, field("a/\xC3"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(0x30, field("\xF8\x88\x80\x80\x80"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(0x30, field("\xC1\xBF"))), DecodeError::invalid_utf8);
}

TEST(CodecPublish, MQTT_1_5_3_1_TopicNameMustNotHoldASurrogate) {
  EXPECT_EQ(error_of(frame(0x30, field("a/\xED\xA0\x80"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(0x32, field("\xED\xBF\xBF") + bytes({0, 1}))),
            DecodeError::invalid_utf8);
}

TEST(CodecPublish, MQTT_1_5_3_2_TopicNameMustNotHoldUPlus0000) {
  EXPECT_EQ(error_of(frame(0x30, field(std::string("a/\0b", 4)))), DecodeError::utf8_null_char);
}

TEST(CodecPublish, MQTT_3_3_2_2_TopicNameMustNotHoldWildcards) {
  for (std::string_view topic : {"a/+", "+", "#", "a/#", "a#b", "+/x", "sport/tennis+"}) {
    EXPECT_EQ(error_of(frame(0x30, field(topic) + "m")), DecodeError::invalid_topic_name) << topic;
  }
}

TEST(CodecPublish, MQTT_4_7_3_1_TopicNameMustNotBeEmpty) {
  EXPECT_EQ(error_of(frame(0x30, field("") + "m")), DecodeError::invalid_topic_name);
  EXPECT_EQ(error_of(frame(0x32, field("") + bytes({0x00, 0x01}))),
            DecodeError::invalid_topic_name);
}

TEST(CodecPublish, MQTT_2_3_1_1_PacketIdMustBeNonZeroAtQos1And2) {
  EXPECT_EQ(error_of(frame(0x32, field("t") + bytes({0x00, 0x00}))), DecodeError::zero_packet_id);
  EXPECT_EQ(error_of(frame(0x34, field("t") + bytes({0x00, 0x00}) + "m")),
            DecodeError::zero_packet_id);
}

TEST(CodecPublish, TruncatedFieldsAreReported) {
  EXPECT_EQ(error_of(bytes({0x30, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(bytes({0x30, 0x01, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(bytes({0x30, 0x03, 0x00, 0x03, 'a'})), DecodeError::truncated);
  // QoS 1 with the topic but only one byte of the packet identifier.
  EXPECT_EQ(error_of(frame(0x32, field("t"))), DecodeError::truncated);
  EXPECT_EQ(error_of(frame(0x32, field("t") + bytes({0x01}))), DecodeError::truncated);
}

// --- PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 3.4 .. 3.7) ---------------------------------------

struct AckCase {
  PacketType type;
  int first_byte;
};

constexpr AckCase kPublishAcks[] = {
    {PacketType::puback, 0x40},
    {PacketType::pubrec, 0x50},
    {PacketType::pubrel, 0x62},
    {PacketType::pubcomp, 0x70},
};

TEST(CodecPublishAck, DecodesTheSpecBytes) {
  for (const auto& c : kPublishAcks) {
    const auto r = decode_one(bytes({c.first_byte, 0x02, 0x12, 0x34}));
    ASSERT_TRUE(r.ok()) << to_string(c.type);
    EXPECT_EQ(type_of(r.packet), c.type);
    const auto& ack = std::get<AckPacket>(r.packet);
    EXPECT_EQ(ack.type, c.type);
    EXPECT_EQ(ack.packet_id, 0x1234);
  }
}

TEST(CodecPublishAck, EncodesTheSpecBytesAndRoundTrips) {
  for (const auto& c : kPublishAcks) {
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{0x1234}, std::uint16_t{65535}}) {
      std::string out;
      encode(AckPacket{c.type, id}, out);
      EXPECT_EQ(out, bytes({c.first_byte, 0x02, id >> 8, id & 0xFF})) << to_string(c.type);
      const auto r = decode_one(out);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(std::get<AckPacket>(r.packet).packet_id, id);
      EXPECT_EQ(std::get<AckPacket>(r.packet).type, c.type);
    }
  }
}

TEST(CodecPublishAck, MQTT_2_3_1_1_PacketIdMustBeNonZero) {
  for (const auto& c : kPublishAcks) {
    EXPECT_EQ(error_of(bytes({c.first_byte, 0x02, 0x00, 0x00})), DecodeError::zero_packet_id)
        << to_string(c.type);
  }
}

TEST(CodecPublishAck, RemainingLengthOtherThan2IsRejected) {
  for (const auto& c : kPublishAcks) {
    SCOPED_TRACE(to_string(c.type));
    EXPECT_EQ(error_of(bytes({c.first_byte, 0x03, 0x00, 0x01, 0x00})), DecodeError::trailing_bytes);
    EXPECT_EQ(error_of(bytes({c.first_byte, 0x01, 0x01})), DecodeError::truncated);
    EXPECT_EQ(error_of(bytes({c.first_byte, 0x00})), DecodeError::truncated);
  }
}

}  // namespace
}  // namespace fabomatic::broker
