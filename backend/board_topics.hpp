// The MQTT topics of the board protocol (docs/board-protocol.md "Topics") and the reply size budget
// that the boards' 300-byte read buffer imposes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backend/settings.hpp"

namespace fabomatic::backend {

/// The board's MQTT client reads each incoming packet whole into this many bytes and drops
/// the connection when one is larger.
inline constexpr std::size_t kBoardPacketLimit = 300;

/// The smallest reply budget a query topic must leave: every reply with its texts emptied fits
/// in this many bytes (the tests check it), so a reply never has to be dropped.
inline constexpr std::size_t kMinReplyBudget = 200;

/// Largest payload of a QoS 0 PUBLISH on `topic` that fits in kBoardPacketLimit: the packet
/// is 1 byte of header, 2 bytes of remaining length (payloads of this size need 2), 2 bytes
/// of topic length, the topic and the payload. 280 for "machine/1/reply", 279 for
/// "machine/12/reply"; 0 when the topic alone is too long.
std::size_t board_payload_budget(std::string_view topic) noexcept;

/// The topic layout from [MQTT] topic, reply_subtopic, request_subtopic (firmware defaults:
/// machine, reply, request).
struct BoardTopics {
  std::string prefix = "machine";
  std::string reply_subtopic = "reply";
  std::string request_subtopic = "request";

  static BoardTopics from(const MqttSettings& mqtt);

  /// The filter the backend intercepts: "machine/+".
  std::string query_filter() const;

  /// The id segment of a query topic "<prefix>/<id>" (exactly one level after the prefix), or
  /// nothing for any other topic. The segment is returned as written ("007").
  std::optional<std::string_view> id_segment(std::string_view topic) const;

  /// The reply topic of a query: the query's own topic + "/" + reply_subtopic, so a board that
  /// published on machine/007 hears its reply on machine/007/reply.
  std::string reply_topic(std::string_view query_topic) const;

  /// "<prefix>/<id>/<request_subtopic>", where remote start/stop commands go.
  std::string request_topic(std::int64_t machine_id) const;
};

/// "<stats_topic>/<client_id>", where periodic stats go (stats/backend).
std::string stats_topic(const MqttSettings& mqtt);

}  // namespace fabomatic::backend
