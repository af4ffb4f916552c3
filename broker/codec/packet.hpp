// MQTT 3.1.1 control packets as plain value types.
//
// Decoded packets are *views*: their string_views point into the buffer that was decoded and
// stay valid only as long as that buffer. The broker copies what it keeps (topic, payload)
// once, when it stores or routes a message. Nothing here allocates per byte.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace fabomatic::broker {

enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

std::string_view to_string(PacketType type);

/// CONNACK return codes (MQTT-3.2.2.3).
enum class ConnectReturnCode : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_username_or_password = 4,
  not_authorized = 5,
};

/// SUBACK return code for a refused topic filter (MQTT-3.9.3).
inline constexpr std::uint8_t kSubackFailure = 0x80;

struct Will {
  std::string_view topic;
  std::string_view message;  // binary
  std::uint8_t qos = 0;
  bool retain = false;
};

struct ConnectPacket {
  std::string_view protocol_name;  // "MQTT" (level 4) or "MQIsdp" (level 3)
  std::uint8_t protocol_level = 4;
  bool clean_session = true;
  std::uint16_t keep_alive = 0;  // seconds
  std::string_view client_id;
  bool has_will = false;
  Will will;
  bool has_username = false;
  std::string_view username;
  bool has_password = false;
  std::string_view password;  // binary
};

struct ConnackPacket {
  bool session_present = false;
  ConnectReturnCode return_code = ConnectReturnCode::accepted;
};

struct PublishPacket {
  bool dup = false;
  std::uint8_t qos = 0;
  bool retain = false;
  std::string_view topic;
  std::uint16_t packet_id = 0;  // only with qos > 0
  std::string_view payload;
};

/// PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a type and a packet identifier.
struct AckPacket {
  PacketType type = PacketType::puback;
  std::uint16_t packet_id = 0;
};

struct TopicRequest {
  std::string_view filter;
  std::uint8_t qos = 0;
};

struct SubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<TopicRequest> topics;  // at least one
};

struct SubackPacket {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  // granted QoS 0..2 or kSubackFailure
};

struct UnsubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<std::string_view> filters;  // at least one
};

/// PINGREQ, PINGRESP and DISCONNECT carry nothing but their type.
struct EmptyPacket {
  PacketType type = PacketType::pingreq;
};

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, AckPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, EmptyPacket>;

PacketType type_of(const Packet& packet);

}  // namespace fabomatic::broker
