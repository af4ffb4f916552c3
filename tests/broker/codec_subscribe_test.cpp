// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (MQTT 3.1.1 sections 3.8 to 3.11): spec byte
// sequences, round trips, one test per rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

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

const std::string kId1 = bytes({0x00, 0x01});

// --- SUBSCRIBE (MQTT 3.8) ----------------------------------------------------------------------

TEST(CodecSubscribe, DecodesThePayloadExampleOfSection3_8_3) {
  // Packet identifier 10; "a/b" at QoS 1 and "c/d" at QoS 2.
  const auto packet = bytes(
      {0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c', '/', 'd', 0x02});
  const auto r = decode_one(packet);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const auto& p = std::get<SubscribePacket>(r.packet);
  EXPECT_EQ(p.packet_id, 10);
  ASSERT_EQ(p.topics.size(), 2u);
  EXPECT_EQ(p.topics[0].filter, "a/b");
  EXPECT_EQ(p.topics[0].qos, 1);
  EXPECT_EQ(p.topics[1].filter, "c/d");
  EXPECT_EQ(p.topics[1].qos, 2);
}

TEST(CodecSubscribe, EncodesThePayloadExampleOfSection3_8_3) {
  std::string out;
  encode(SubscribePacket{10, {{"a/b", 1}, {"c/d", 2}}}, out);
  EXPECT_EQ(out, bytes({0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c',
                        '/', 'd', 0x02}));
}

TEST(CodecSubscribe, RoundTripsWildcardFiltersAndManyTopics) {
  SubscribePacket in{65535, {}};
  std::vector<std::string> filters;
  for (int i = 0; i < 200; ++i)
    filters.push_back("machine/" + std::to_string(i) + (i % 2 ? "/#" : "/+/x"));
  for (std::size_t i = 0; i < filters.size(); ++i)
    in.topics.push_back({filters[i], static_cast<std::uint8_t>(i % 3)});
  in.topics.push_back({"#", 0});
  in.topics.push_back({"+", 1});
  in.topics.push_back({"$SYS/#", 2});
  std::string out;
  encode(in, out);
  const auto r = decode_one(out);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const auto& p = std::get<SubscribePacket>(r.packet);
  EXPECT_EQ(p.packet_id, 65535);
  ASSERT_EQ(p.topics.size(), in.topics.size());
  for (std::size_t i = 0; i < p.topics.size(); ++i) {
    EXPECT_EQ(p.topics[i].filter, in.topics[i].filter) << i;
    EXPECT_EQ(p.topics[i].qos, in.topics[i].qos) << i;
  }
  std::string again;
  encode(p, again);
  EXPECT_EQ(again, out);
}

TEST(CodecSubscribe, MQTT_2_3_1_1_PacketIdMustBeNonZero) {
  EXPECT_EQ(error_of(frame(0x82, bytes({0x00, 0x00}) + field("a") + bytes({0x00}))),
            DecodeError::zero_packet_id);
}

TEST(CodecSubscribe, MQTT_3_8_3_1_TopicFilterMustBeValidUtf8) {
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("a/\xC3") + bytes({0x00}))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(
                0x82, kId1 + field("a") + bytes({0x00}) + field("\xE0\x80\x80") + bytes({0x00}))),
            DecodeError::invalid_utf8);
}

TEST(CodecSubscribe, MQTT_1_5_3_1_TopicFilterMustNotHoldASurrogate) {
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("\xED\xA0\x80/#") + bytes({0x01}))),
            DecodeError::invalid_utf8);
}

TEST(CodecSubscribe, MQTT_1_5_3_2_TopicFilterMustNotHoldUPlus0000) {
  EXPECT_EQ(error_of(frame(0x82, kId1 + field(std::string("a\0", 2)) + bytes({0x00}))),
            DecodeError::utf8_null_char);
}

TEST(CodecSubscribe, MQTT_3_8_3_3_AtLeastOneTopicFilter) {
  EXPECT_EQ(error_of(bytes({0x82, 0x02, 0x00, 0x01})), DecodeError::no_topic_filters);
}

TEST(CodecSubscribe, MQTT_3_8_3_4_RequestedQosMustNotBe3) {
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("a") + bytes({0x03}))),
            DecodeError::invalid_requested_qos);
}

TEST(CodecSubscribe, MQTT_3_8_3_4_ReservedBitsOfRequestedQosMustBeZero) {
  for (int qos_byte : {0x04, 0x05, 0x80, 0x81, 0xFC, 0xFF}) {
    EXPECT_EQ(error_of(frame(0x82, kId1 + field("a") + bytes({qos_byte}))),
              DecodeError::invalid_requested_qos)
        << qos_byte;
  }
  // Also in a later filter than the first.
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("a") + bytes({0x00}) + field("b") + bytes({0x40}))),
            DecodeError::invalid_requested_qos);
}

// An empty filter is invalid (MQTT-4.7.3-1) but the packet is well formed: the codec passes it
// on and the broker refuses that one filter with SUBACK 0x80, like any other invalid filter.
TEST(CodecSubscribe, MQTT_4_7_3_1_EmptyTopicFilterIsLeftToTheBroker) {
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("") + bytes({0x00}))), DecodeError::none);
}

TEST(CodecSubscribe, TruncatedFieldsAreReported) {
  EXPECT_EQ(error_of(bytes({0x82, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(bytes({0x82, 0x01, 0x00})), DecodeError::truncated);
  // A filter without its requested QoS byte.
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("a"))), DecodeError::truncated);
  // A filter length running past the packet.
  EXPECT_EQ(error_of(frame(0x82, kId1 + bytes({0x00, 0x09}) + "ab")), DecodeError::truncated);
  // One byte of a second filter's length.
  EXPECT_EQ(error_of(frame(0x82, kId1 + field("a") + bytes({0x00, 0x00}))), DecodeError::truncated);
}

// --- SUBACK (MQTT 3.9) -------------------------------------------------------------------------

TEST(CodecSuback, DecodesThePayloadExampleOfSection3_9_3) {
  // Success at QoS 0, success at QoS 2, failure.
  const auto r = decode_one(bytes({0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80}));
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const auto& p = std::get<SubackPacket>(r.packet);
  EXPECT_EQ(p.packet_id, 10);
  EXPECT_EQ(p.return_codes, (std::vector<std::uint8_t>{0x00, 0x02, kSubackFailure}));
}

TEST(CodecSuback, EncodesAndRoundTrips) {
  const SubackPacket in{0x0102, {0, 1, 2, kSubackFailure}};
  std::string out;
  encode(in, out);
  EXPECT_EQ(out, bytes({0x90, 0x06, 0x01, 0x02, 0x00, 0x01, 0x02, 0x80}));
  const auto r = decode_one(out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<SubackPacket>(r.packet).packet_id, 0x0102);
  EXPECT_EQ(std::get<SubackPacket>(r.packet).return_codes, in.return_codes);
}

TEST(CodecSuback, AReturnCodeForEachOfManyFiltersFitsAMultiByteLength) {
  SubackPacket in{7, std::vector<std::uint8_t>(300, 1)};
  std::string out;
  encode(in, out);
  ASSERT_EQ(out.size(), 1 + 2 + 302u);
  const auto r = decode_one(out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<SubackPacket>(r.packet).return_codes, in.return_codes);
}

TEST(CodecSuback, MQTT_3_9_3_2_ReturnCodesOtherThan0_1_2_0x80AreReserved) {
  for (int code : {0x03, 0x04, 0x7F, 0x81, 0xFF}) {
    EXPECT_EQ(error_of(bytes({0x90, 0x03, 0x00, 0x01, code})), DecodeError::invalid_suback_code)
        << code;
  }
}

TEST(CodecSuback, MQTT_2_3_1_1_PacketIdMustBeNonZero) {
  EXPECT_EQ(error_of(bytes({0x90, 0x03, 0x00, 0x00, 0x00})), DecodeError::zero_packet_id);
}

TEST(CodecSuback, TruncatedPacketIdIsReported) {
  EXPECT_EQ(error_of(bytes({0x90, 0x01, 0x00})), DecodeError::truncated);
}

// --- UNSUBSCRIBE (MQTT 3.10) -------------------------------------------------------------------

TEST(CodecUnsubscribe, DecodesThePayloadExampleOfSection3_10_3) {
  const auto packet =
      bytes({0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'});
  const auto r = decode_one(packet);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const auto& p = std::get<UnsubscribePacket>(r.packet);
  EXPECT_EQ(p.packet_id, 10);
  EXPECT_EQ(p.filters, (std::vector<std::string_view>{"a/b", "c/d"}));
}

TEST(CodecUnsubscribe, EncodesTheExampleAndRoundTrips) {
  const UnsubscribePacket in{10, {"a/b", "c/d"}};
  std::string out;
  encode(in, out);
  EXPECT_EQ(out,
            bytes({0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'}));
  const UnsubscribePacket wild{65535, {"#", "+/+", "machine/#", "caf\xC3\xA9"}};
  out.clear();
  encode(wild, out);
  const auto r = decode_one(out);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(std::get<UnsubscribePacket>(r.packet).packet_id, 65535);
  EXPECT_EQ(std::get<UnsubscribePacket>(r.packet).filters, wild.filters);
}

TEST(CodecUnsubscribe, MQTT_2_3_1_1_PacketIdMustBeNonZero) {
  EXPECT_EQ(error_of(frame(0xA2, bytes({0x00, 0x00}) + field("a"))), DecodeError::zero_packet_id);
}

TEST(CodecUnsubscribe, MQTT_3_10_3_1_TopicFilterMustBeValidUtf8) {
  EXPECT_EQ(error_of(frame(0xA2, kId1 + field("\x80"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(0xA2, kId1 + field("ok") + field("\xED\xA0\x80"))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(frame(0xA2, kId1 + field(std::string("\0", 1)))), DecodeError::utf8_null_char);
}

TEST(CodecUnsubscribe, MQTT_3_10_3_2_AtLeastOneTopicFilter) {
  EXPECT_EQ(error_of(bytes({0xA2, 0x02, 0x00, 0x01})), DecodeError::no_topic_filters);
}

// An empty filter matches no subscription: UNSUBACK, decided by the broker.
TEST(CodecUnsubscribe, MQTT_4_7_3_1_EmptyTopicFilterIsLeftToTheBroker) {
  EXPECT_EQ(error_of(frame(0xA2, kId1 + field("a") + field(""))), DecodeError::none);
}

TEST(CodecUnsubscribe, TruncatedFieldsAreReported) {
  EXPECT_EQ(error_of(bytes({0xA2, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(frame(0xA2, kId1 + bytes({0x00}))), DecodeError::truncated);
  EXPECT_EQ(error_of(frame(0xA2, kId1 + bytes({0x00, 0x05}) + "abc")), DecodeError::truncated);
}

// --- UNSUBACK (MQTT 3.11) ----------------------------------------------------------------------

TEST(CodecUnsuback, DecodesEncodesAndRoundTrips) {
  const auto r = decode_one(bytes({0xB0, 0x02, 0x00, 0x0A}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(type_of(r.packet), PacketType::unsuback);
  EXPECT_EQ(std::get<AckPacket>(r.packet).packet_id, 10);
  std::string out;
  encode(AckPacket{PacketType::unsuback, 10}, out);
  EXPECT_EQ(out, bytes({0xB0, 0x02, 0x00, 0x0A}));
}

TEST(CodecUnsuback, MQTT_2_3_1_1_PacketIdMustBeNonZero) {
  EXPECT_EQ(error_of(bytes({0xB0, 0x02, 0x00, 0x00})), DecodeError::zero_packet_id);
}

TEST(CodecUnsuback, RemainingLengthOtherThan2IsRejected) {
  EXPECT_EQ(error_of(bytes({0xB0, 0x03, 0x00, 0x01, 0x00})), DecodeError::trailing_bytes);
  EXPECT_EQ(error_of(bytes({0xB0, 0x01, 0x01})), DecodeError::truncated);
}

}  // namespace
}  // namespace fabomatic::broker
