// MQTT 3.1.1 packet codec: pure functions over bytes, no I/O, no Asio.
//
// Decoding is two steps so that a connection can work incrementally on a byte stream:
//   1. next_frame() looks at the start of the received bytes and says whether one whole packet
//      is there yet (and how long it is), rejecting an oversized or malformed header early,
//      before its body is buffered;
//   2. decode() turns one whole frame into a Packet whose views point into that frame.
// Every rule of the specification that decoding can check is a distinct DecodeError; the
// caller closes the connection on any error (answering CONNECT errors with a CONNACK where
// connack_code_for() says the specification asks for one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/codec/packet.hpp"

namespace fabomatic::broker {

enum class DecodeError : std::uint8_t {
  none = 0,
  malformed_remaining_length,  // more than four length bytes (MQTT 2.2.3)
  packet_too_large,            // above the configured maximum packet size
  reserved_packet_type,        // type 0 or 15 (MQTT 2.2.1)
  invalid_header_flags,        // fixed-header flags not as specified (MQTT-2.2.2-1, -2)
  truncated,                   // the body ends inside a field
  trailing_bytes,              // the body is longer than its fields (e.g. PUBACK != 2)
  invalid_utf8,                // MQTT-1.5.3-1
  utf8_null_char,              // MQTT-1.5.3-2
  zero_packet_id,              // MQTT-2.3.1-1
  unknown_protocol_name,       // neither "MQTT" nor "MQIsdp" (MQTT-3.1.2-1)
  unsupported_protocol_level,  // answered with CONNACK 0x01 (MQTT-3.1.2-2)
  connect_reserved_flag,       // reserved bit of the connect flags set (MQTT-3.1.2-3)
  will_flags_without_will,     // will QoS/retain set with will flag 0 (MQTT-3.1.2-11,-13,-15)
  invalid_will_qos,            // will QoS 3 (MQTT-3.1.2-14)
  password_without_username,   // MQTT-3.1.2-22
  invalid_qos,                 // PUBLISH with both QoS bits set (MQTT-3.3.1-4)
  dup_on_qos0,                 // DUP set on a QoS 0 PUBLISH (MQTT-3.3.1-2)
  invalid_topic_name,          // empty or containing wildcards (MQTT-3.3.2-2, MQTT-4.7.3-1)
  no_topic_filters,            // SUBSCRIBE/UNSUBSCRIBE without a filter (MQTT-3.8.3-3, -3.10.3-2)
  invalid_requested_qos,       // requested QoS byte above 2 or reserved bits set (MQTT-3-8.3-4)
  invalid_suback_code,         // SUBACK return code other than 0, 1, 2, 0x80
  invalid_connack,             // reserved bits, unknown code, or session present on a refusal
};

std::string_view to_string(DecodeError error);

/// The CONNACK return code the server must send before closing for this error, if any.
std::optional<ConnectReturnCode> connack_code_for(DecodeError error);

struct FixedHeader {
  std::uint8_t first_byte = 0;
  std::uint32_t remaining_length = 0;
  std::uint8_t header_size = 0;  // 1 type byte + 1..4 length bytes

  PacketType type() const { return static_cast<PacketType>(first_byte >> 4); }
  std::uint8_t flags() const { return first_byte & 0x0F; }
  std::size_t frame_size() const { return header_size + std::size_t{remaining_length}; }
};

struct FrameResult {
  enum class Status { complete, incomplete, error };
  Status status = Status::incomplete;
  DecodeError error = DecodeError::none;
  FixedHeader header;  // valid when complete; also when incomplete once the header is known
  bool header_known = false;
};

/// Examines the bytes at the start of `data`. `max_packet_size` bounds the whole frame.
FrameResult next_frame(std::string_view data, std::size_t max_packet_size);

struct DecodeResult {
  Packet packet;
  DecodeError error = DecodeError::none;
  bool ok() const { return error == DecodeError::none; }
};

/// Decodes one whole frame (fixed header included), as delimited by next_frame(). Bytes after
/// the frame are ignored; a `frame` shorter than header.frame_size() gives DecodeError::truncated.
DecodeResult decode(const FixedHeader& header, std::string_view frame);

/// Convenience for tests and tools: next_frame + decode of a buffer holding exactly one packet.
DecodeResult decode_one(std::string_view frame, std::size_t max_packet_size = 268435455);

// --- encoding: each appends one packet to `out` -------------------------------------------

void encode(const ConnectPacket& packet, std::string& out);
void encode(const ConnackPacket& packet, std::string& out);
void encode(const PublishPacket& packet, std::string& out);
void encode(const AckPacket& packet, std::string& out);
void encode(const SubscribePacket& packet, std::string& out);
void encode(const SubackPacket& packet, std::string& out);
void encode(const UnsubscribePacket& packet, std::string& out);
void encode(const EmptyPacket& packet, std::string& out);
void encode(const Packet& packet, std::string& out);

/// Size of the encoded PUBLISH, to reserve or to compare with a limit before encoding.
std::size_t encoded_size(const PublishPacket& packet);

/// Largest value of the remaining-length field (MQTT 2.2.3).
inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;

}  // namespace fabomatic::broker
