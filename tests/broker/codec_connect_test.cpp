// CONNECT (MQTT 3.1.1 section 3.1) and CONNACK (section 3.2): hand-written byte sequences
// checked field by field, round trips, and one test per rule the decoder enforces.
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

// A length-prefixed string or binary field (MQTT 1.5.3).
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

// A CONNECT frame: variable header with the given protocol name/level/flags, keep-alive 60, then
// the payload fields as given.
std::string connect(std::string_view name, int level, int flags, std::string_view payload) {
  return frame(0x10, field(name) + bytes({level, flags, 0x00, 0x3C}) + std::string(payload));
}

std::string connect311(int flags, std::string_view payload) {
  return connect("MQTT", 4, flags, payload);
}

DecodeError error_of(std::string_view frame) {
  return decode_one(frame).error;
}

ConnectPacket decode_connect_ok(std::string_view frame) {
  const auto r = decode_one(frame);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  if (!r.ok()) return {};
  return std::get<ConnectPacket>(r.packet);
}

// --- byte sequences from the specification -----------------------------------------------------

TEST(CodecConnect, DecodesTheVariableHeaderExampleOfSection3_1_2_10) {
  // Figure 3.6: "MQTT", level 4, flags 0xCE (user name, password, will QoS 1, will, clean
  // session), keep alive 10; followed by every payload field in the order of MQTT-3.1.3-1.
  const std::string password = bytes({0x00, 0xFF, 0x01});
  const auto packet =
      frame(0x10, field("MQTT") + bytes({0x04, 0xCE, 0x00, 0x0A}) + field("cid") + field("w/t") +
                      field("bye") + field("user") + field(password));
  const auto p = decode_connect_ok(packet);
  EXPECT_EQ(p.protocol_name, "MQTT");
  EXPECT_EQ(p.protocol_level, 4);
  EXPECT_TRUE(p.clean_session);
  EXPECT_EQ(p.keep_alive, 10);
  EXPECT_EQ(p.client_id, "cid");
  EXPECT_TRUE(p.has_will);
  EXPECT_EQ(p.will.topic, "w/t");
  EXPECT_EQ(p.will.message, "bye");
  EXPECT_EQ(p.will.qos, 1);
  EXPECT_FALSE(p.will.retain);
  EXPECT_TRUE(p.has_username);
  EXPECT_EQ(p.username, "user");
  EXPECT_TRUE(p.has_password);
  EXPECT_EQ(p.password, password);
}

TEST(CodecConnect, DecodesAMinimalConnect) {
  const auto packet =
      bytes({0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0xFF, 0xFF, 0x00, 0x01, 'c'});
  const auto p = decode_connect_ok(packet);
  EXPECT_FALSE(p.clean_session);
  EXPECT_EQ(p.keep_alive, 65535);
  EXPECT_EQ(p.client_id, "c");
  EXPECT_FALSE(p.has_will);
  EXPECT_FALSE(p.has_username);
  EXPECT_FALSE(p.has_password);
}

TEST(CodecConnect, DecodesWillRetainAndWillQos2) {
  const auto packet = connect311(0x34, field("c") + field("t") + field(""));
  const auto p = decode_connect_ok(packet);
  EXPECT_TRUE(p.has_will);
  EXPECT_TRUE(p.will.retain);
  EXPECT_EQ(p.will.qos, 2);
  EXPECT_EQ(p.will.message, "");
  EXPECT_FALSE(p.clean_session);
}

TEST(CodecConnect, MQIsdpLevel3IsAcceptedForMqtt31Clients) {
  const auto packet = connect("MQIsdp", 3, 0x02, field("legacy-board"));
  const auto p = decode_connect_ok(packet);
  EXPECT_EQ(p.protocol_name, "MQIsdp");
  EXPECT_EQ(p.protocol_level, 3);
  EXPECT_EQ(p.client_id, "legacy-board");
}

TEST(CodecConnect, MQIsdpMayCarryAPasswordWithoutAUserName) {
  // MQTT 3.1 did not forbid it; MQTT-3.1.2-22 only binds 3.1.1 clients.
  const auto packet = connect("MQIsdp", 3, 0x42, field("c") + field("secret"));
  const auto p = decode_connect_ok(packet);
  EXPECT_TRUE(p.has_password);
  EXPECT_FALSE(p.has_username);
  EXPECT_EQ(p.password, "secret");
}

// --- round trips -------------------------------------------------------------------------------

void expect_round_trip(const ConnectPacket& in) {
  std::string out;
  encode(in, out);
  const auto p = decode_connect_ok(out);
  EXPECT_EQ(p.protocol_name, in.protocol_name.empty() ? "MQTT" : in.protocol_name);
  EXPECT_EQ(p.protocol_level, in.protocol_level);
  EXPECT_EQ(p.clean_session, in.clean_session);
  EXPECT_EQ(p.keep_alive, in.keep_alive);
  EXPECT_EQ(p.client_id, in.client_id);
  EXPECT_EQ(p.has_will, in.has_will);
  if (in.has_will) {
    EXPECT_EQ(p.will.topic, in.will.topic);
    EXPECT_EQ(p.will.message, in.will.message);
    EXPECT_EQ(p.will.qos, in.will.qos);
    EXPECT_EQ(p.will.retain, in.will.retain);
  }
  EXPECT_EQ(p.has_username, in.has_username);
  EXPECT_EQ(p.username, in.username);
  EXPECT_EQ(p.has_password, in.has_password);
  EXPECT_EQ(p.password, in.password);
  // Encoding the decoded packet gives back the same bytes.
  std::string again;
  encode(p, again);
  EXPECT_EQ(again, out);
}

TEST(CodecConnect, RoundTrips) {
  const std::string binary_password("\0pw\xFF", 4);
  const std::string long_id(300, 'i');
  expect_round_trip({.client_id = "board-1"});
  expect_round_trip(
      {.protocol_name = "MQTT", .clean_session = false, .keep_alive = 65535, .client_id = long_id});
  expect_round_trip({.client_id = "",  // allowed with clean session (MQTT-3.1.3-7)
                     .has_username = true,
                     .username = "user",
                     .has_password = true,
                     .password = binary_password});
  for (std::uint8_t qos = 0; qos <= 2; ++qos) {
    for (bool retain : {false, true}) {
      expect_round_trip({.client_id = "w",
                         .has_will = true,
                         .will = {.topic = "machine/1/status",
                                  .message = binary_password,
                                  .qos = qos,
                                  .retain = retain}});
    }
  }
  expect_round_trip({.protocol_name = "MQIsdp", .protocol_level = 3, .client_id = "old"});
  expect_round_trip({.client_id = "caf\xC3\xA9", .has_username = true, .username = "\xE2\x82\xAC"});
}

// --- protocol name and level (MQTT 3.1.2.1, 3.1.2.2) -----------------------------------------

TEST(CodecConnect, MQTT_3_1_2_1_UnknownProtocolNameIsRejected) {
  using namespace std::string_view_literals;
  for (auto name : {"MQTX"sv, "mqtt"sv, ""sv, "MQIsdpX"sv, "MQT"sv, "MQTT\0"sv, "MQTT "sv}) {
    EXPECT_EQ(error_of(connect(name, 4, 0x02, field("c"))), DecodeError::unknown_protocol_name)
        << name;
  }
  EXPECT_FALSE(connack_code_for(DecodeError::unknown_protocol_name).has_value());
}

TEST(CodecConnect, MQTT_3_1_2_2_Level5IsAnsweredWithConnack01) {
  // An MQTT 5 CONNECT: a properties length byte follows keep-alive. Decoding stops at the
  // level, so what follows does not matter.
  const auto v5 = frame(0x10, field("MQTT") + bytes({0x05, 0x02, 0x00, 0x3C, 0x00}) + field("c"));
  const auto r = decode_one(v5);
  EXPECT_EQ(r.error, DecodeError::unsupported_protocol_level);
  EXPECT_EQ(connack_code_for(r.error), ConnectReturnCode::unacceptable_protocol_version);
  EXPECT_EQ(static_cast<int>(*connack_code_for(r.error)), 0x01);
  // The level is still reported, for logging.
  EXPECT_EQ(std::get<ConnectPacket>(r.packet).protocol_level, 5);
}

TEST(CodecConnect, MQTT_3_1_2_2_LevelMustMatchTheProtocolName) {
  EXPECT_EQ(error_of(connect("MQTT", 3, 0x02, field("c"))),
            DecodeError::unsupported_protocol_level);
  EXPECT_EQ(error_of(connect("MQIsdp", 4, 0x02, field("c"))),
            DecodeError::unsupported_protocol_level);
  EXPECT_EQ(error_of(connect("MQTT", 0, 0x02, field("c"))),
            DecodeError::unsupported_protocol_level);
  EXPECT_EQ(error_of(connect("MQTT", 255, 0x02, field("c"))),
            DecodeError::unsupported_protocol_level);
}

// --- connect flags (MQTT 3.1.2.3 .. 3.1.2.9) ---------------------------------------------------

TEST(CodecConnect, MQTT_3_1_2_3_ReservedFlagMustBeZero) {
  EXPECT_EQ(error_of(connect311(0x03, field("c"))), DecodeError::connect_reserved_flag);
  EXPECT_EQ(error_of(connect311(0x01, field("c"))), DecodeError::connect_reserved_flag);
}

TEST(CodecConnect, MQTT_3_1_2_11_WillFieldsMustBeAbsentWithoutWillFlag) {
  // Will flag 0 but a will topic and message present: the extra fields are trailing bytes.
  EXPECT_EQ(error_of(connect311(0x02, field("c") + field("t") + field("m"))),
            DecodeError::trailing_bytes);
}

TEST(CodecConnect, MQTT_3_1_2_13_WillQosMustBeZeroWithoutWillFlag) {
  EXPECT_EQ(error_of(connect311(0x0A, field("c"))), DecodeError::will_flags_without_will);
  EXPECT_EQ(error_of(connect311(0x12, field("c"))), DecodeError::will_flags_without_will);
  // QoS 3 without the will flag is first of all a will QoS without a will.
  EXPECT_EQ(error_of(connect311(0x1A, field("c"))), DecodeError::will_flags_without_will);
}

TEST(CodecConnect, MQTT_3_1_2_14_WillQosMustNotBe3) {
  EXPECT_EQ(error_of(connect311(0x1E, field("c") + field("t") + field("m"))),
            DecodeError::invalid_will_qos);
}

TEST(CodecConnect, MQTT_3_1_2_15_WillRetainMustBeZeroWithoutWillFlag) {
  EXPECT_EQ(error_of(connect311(0x22, field("c"))), DecodeError::will_flags_without_will);
}

TEST(CodecConnect, WillMessageIsBinaryAndMayBeEmpty) {
  const std::string message("\0\xFF\xC0", 3);
  const auto packet = connect311(0x06, field("c") + field("t") + field(message));
  const auto p = decode_connect_ok(packet);
  EXPECT_EQ(p.will.message, message);
}

TEST(CodecConnect, MQTT_3_1_2_18_UserNameMustBeAbsentWithoutItsFlag) {
  EXPECT_EQ(error_of(connect311(0x02, field("c") + field("user"))), DecodeError::trailing_bytes);
}

TEST(CodecConnect, MQTT_3_1_2_19_UserNameMustBePresentWithItsFlag) {
  EXPECT_EQ(error_of(connect311(0x82, field("c"))), DecodeError::truncated);
}

TEST(CodecConnect, MQTT_3_1_2_20_PasswordMustBeAbsentWithoutItsFlag) {
  EXPECT_EQ(error_of(connect311(0x82, field("c") + field("user") + field("pw"))),
            DecodeError::trailing_bytes);
}

TEST(CodecConnect, MQTT_3_1_2_21_PasswordMustBePresentWithItsFlag) {
  EXPECT_EQ(error_of(connect311(0xC2, field("c") + field("user"))), DecodeError::truncated);
}

TEST(CodecConnect, MQTT_3_1_2_22_PasswordRequiresUserName) {
  EXPECT_EQ(error_of(connect311(0x42, field("c") + field("pw"))),
            DecodeError::password_without_username);
}

// --- payload (MQTT 3.1.3) ----------------------------------------------------------------------

TEST(CodecConnect, MQTT_3_1_3_4_ClientIdMustBeValidUtf8) {
  EXPECT_EQ(error_of(connect311(0x02, field("\xC3"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x02, field("\xC0\xAF"))), DecodeError::invalid_utf8);
}

TEST(CodecConnect, MQTT_1_5_3_1_ClientIdMustNotHoldASurrogate) {
  EXPECT_EQ(error_of(connect311(0x02, field("a\xED\xA0\x80"))), DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x02, field("\xED\xBF\xBF"))), DecodeError::invalid_utf8);
}

TEST(CodecConnect, MQTT_1_5_3_2_ClientIdMustNotHoldUPlus0000) {
  EXPECT_EQ(error_of(connect311(0x02, field(std::string("a\0b", 3)))), DecodeError::utf8_null_char);
}

TEST(CodecConnect, MQTT_3_1_3_6_EmptyClientIdWithCleanSessionIsAccepted) {
  EXPECT_EQ(decode_connect_ok(connect311(0x02, field(""))).client_id, "");
}

TEST(CodecConnect, MQTT_3_1_3_8_EmptyClientIdWithoutCleanSessionIsLeftToTheBroker) {
  // Whether an identifier is acceptable is the broker's decision (it answers CONNACK 0x02, and
  // also applies the MQTT 3.1 length limit): the codec decodes the packet faithfully.
  const auto packet = connect311(0x00, field(""));
  const auto p = decode_connect_ok(packet);
  EXPECT_EQ(p.client_id, "");
  EXPECT_FALSE(p.clean_session);
}

TEST(CodecConnect, MQTT_3_1_3_10_WillTopicMustBeValidUtf8) {
  EXPECT_EQ(error_of(connect311(0x06, field("c") + field("\xFF") + field("m"))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x06, field("c") + field("w\xED\xB0\x80") + field("m"))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x06, field("c") + field(std::string("w\0", 2)) + field("m"))),
            DecodeError::utf8_null_char);
}

TEST(CodecConnect, MQTT_3_3_2_2_WillTopicMustNotHoldWildcards) {
  for (std::string_view topic : {"a/+", "#", "a/#", "+"}) {
    EXPECT_EQ(error_of(connect311(0x06, field("c") + field(topic) + field("m"))),
              DecodeError::invalid_topic_name)
        << topic;
  }
}

TEST(CodecConnect, MQTT_4_7_3_1_WillTopicMustNotBeEmpty) {
  EXPECT_EQ(error_of(connect311(0x06, field("c") + field("") + field("m"))),
            DecodeError::invalid_topic_name);
}

TEST(CodecConnect, MQTT_3_1_3_11_UserNameMustBeValidUtf8) {
  EXPECT_EQ(error_of(connect311(0x82, field("c") + field("\xE0\x80\xAF"))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x82, field("c") + field("\xED\xA0\x80"))),
            DecodeError::invalid_utf8);
  EXPECT_EQ(error_of(connect311(0x82, field("c") + field(std::string("\0", 1)))),
            DecodeError::utf8_null_char);
}

TEST(CodecConnect, PasswordIsBinaryData) {
  const std::string password("\0\xFF\xED\xA0\x80", 5);
  EXPECT_EQ(decode_connect_ok(connect311(0xC2, field("c") + field("u") + field(password))).password,
            password);
}

// --- truncation and trailing bytes -------------------------------------------------------------

TEST(CodecConnect, EveryTruncationOfAFullConnectIsReported) {
  // With every flag set every field is required, so each shorter body ends inside a field.
  const auto body = field("MQTT") + bytes({0x04, 0xF6, 0x00, 0x3C}) + field("cid") + field("w/t") +
                    field("bye") + field("user") + field("pw");
  ASSERT_TRUE(decode_one(frame(0x10, body)).ok());
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_EQ(error_of(frame(0x10, body.substr(0, n))), DecodeError::truncated) << n;
  }
}

TEST(CodecConnect, AFieldLongerThanThePacketIsTruncated) {
  // Client id claims 0xFFFF bytes but only 3 follow.
  EXPECT_EQ(error_of(connect311(0x02, bytes({0xFF, 0xFF}) + "abc")), DecodeError::truncated);
}

TEST(CodecConnect, ExtraBytesAfterTheLastFieldAreTrailing) {
  EXPECT_EQ(error_of(connect311(0x02, field("c") + "x")), DecodeError::trailing_bytes);
  EXPECT_EQ(error_of(connect311(0xC2, field("c") + field("u") + field("p") + bytes({0x00}))),
            DecodeError::trailing_bytes);
}

// --- CONNACK (MQTT 3.2) ------------------------------------------------------------------------

TEST(CodecConnack, DecodesTheSpecBytes) {
  auto r = decode_one(bytes({0x20, 0x02, 0x00, 0x00}));
  ASSERT_TRUE(r.ok());
  auto p = std::get<ConnackPacket>(r.packet);
  EXPECT_FALSE(p.session_present);
  EXPECT_EQ(p.return_code, ConnectReturnCode::accepted);

  r = decode_one(bytes({0x20, 0x02, 0x01, 0x00}));
  ASSERT_TRUE(r.ok());
  p = std::get<ConnackPacket>(r.packet);
  EXPECT_TRUE(p.session_present);

  r = decode_one(bytes({0x20, 0x02, 0x00, 0x05}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ConnackPacket>(r.packet).return_code, ConnectReturnCode::not_authorized);
}

TEST(CodecConnack, EncodesTheSpecBytes) {
  std::string out;
  encode(ConnackPacket{.session_present = true}, out);
  encode(ConnackPacket{.return_code = ConnectReturnCode::bad_username_or_password}, out);
  EXPECT_EQ(out, bytes({0x20, 0x02, 0x01, 0x00, 0x20, 0x02, 0x00, 0x04}));
}

TEST(CodecConnack, EveryReturnCodeRoundTrips) {
  for (int code = 0; code <= 5; ++code) {
    for (bool present : {false, true}) {
      if (code != 0 && present) continue;  // MQTT-3.2.2-4
      const ConnackPacket in{present, static_cast<ConnectReturnCode>(code)};
      std::string out;
      encode(in, out);
      const auto r = decode_one(out);
      ASSERT_TRUE(r.ok()) << code;
      const auto& p = std::get<ConnackPacket>(r.packet);
      EXPECT_EQ(p.session_present, present);
      EXPECT_EQ(p.return_code, in.return_code);
    }
  }
}

TEST(CodecConnack, Section_3_2_2_1_ReservedAcknowledgeFlagsMustBeZero) {
  EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x02, 0x00})), DecodeError::invalid_connack);
  EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x80, 0x00})), DecodeError::invalid_connack);
}

TEST(CodecConnack, ReservedReturnCodesAreRejected) {
  EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x00, 0x06})), DecodeError::invalid_connack);
  EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x00, 0xFF})), DecodeError::invalid_connack);
}

TEST(CodecConnack, MQTT_3_2_2_4_RefusalMustNotClaimASession) {
  EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x01, 0x02})), DecodeError::invalid_connack);
}

TEST(CodecConnack, TruncatedAndTrailing) {
  EXPECT_EQ(error_of(bytes({0x20, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(bytes({0x20, 0x01, 0x00})), DecodeError::truncated);
  EXPECT_EQ(error_of(bytes({0x20, 0x03, 0x00, 0x00, 0x00})), DecodeError::trailing_bytes);
}

}  // namespace
}  // namespace fabomatic::broker
