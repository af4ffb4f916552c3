// Board queries (docs/board-protocol.md "Queries"): a PUBLISH on <prefix>/<id> parsed into a typed
// value, or a rejection reason for the log. Pure: no database, no sockets, no exceptions out.
//
// Accepted: a UTF-8 JSON object (no raw NUL byte) of at most kMaxQueryPayload bytes with a string
// "action" naming one of the eight actions and that action's fields; extra keys are ignored,
// duplicate keys keep the last value. Field rules (anything else is a rejection and gets no reply):
// - uid: a JSON string of 1 to kMaxUidBytes bytes without control characters; lowercased
//   (ASCII) because cards compare case-insensitively.
// - duration: a JSON number. Integers are taken as they are; a fraction is truncated toward
//   zero (12.9 -> 12, -0.5 -> 0); numbers beyond the 64-bit range (1e30, 2^64) saturate to
//   INT64_MIN/INT64_MAX. The machine logic then applies docs/board-protocol.md's 0..86400 rules, so
//   a huge duration is "out of range", never a wrapped-around small one. A number beyond the range
//   of a double (1e400) is invalid JSON for the parser and rejected.
// - replay: true/false, or absent/null (false).
// - alive: version and ip are required strings; serial a string, absent or null (""); the
//   three are cut to kMaxBoardInfoBytes on a UTF-8 boundary. heap: a number, a string holding
//   a decimal number, absent or null; anything else (a non-numeric string, negative, a bool)
//   counts as 0.
// - topic: exactly <prefix>/<id>, <id> made of ASCII digits only (leading zeros allowed:
//   machine/007 is machine 7) with a value up to INT64_MAX, and a reply topic short enough
//   that every reply fits the board's buffer (board_payload_budget >= kMinReplyBudget).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "backend/board_topics.hpp"

namespace fabomatic::backend {

inline constexpr std::size_t kMaxQueryPayload = 4096;  // real queries are under 200 bytes
inline constexpr std::size_t kMaxUidBytes = 64;
inline constexpr std::size_t kMaxBoardInfoBytes = 100;

struct CheckMachine {};
struct CheckUser {
  std::string uid;
};
struct StartUse {
  std::string uid;
  bool replay = false;
};
struct InUse {
  std::string uid;
  std::int64_t duration = 0;  // seconds, as sent (not range-checked here)
};
struct StopUse {
  std::string uid;
  std::int64_t duration = 0;  // seconds, as sent (not range-checked here)
  bool replay = false;
};
struct Maintenance {
  std::string uid;
  bool replay = false;
};
struct Alive {
  std::string version;
  std::string ip;
  std::string serial;     // "" when absent
  std::int64_t heap = 0;  // free heap bytes, 0 when absent or not a number
};
struct SyncCache {};

using BoardQuery =
    std::variant<CheckMachine, CheckUser, StartUse, InUse, StopUse, Maintenance, Alive, SyncCache>;

/// A query that parsed, with where it came from and where its reply goes.
struct BoardMessage {
  std::int64_t machine_id = 0;
  std::string reply_topic;       // the query topic + "/" + reply_subtopic
  std::size_t reply_budget = 0;  // board_payload_budget(reply_topic), >= kMinReplyBudget
  BoardQuery query;
};

/// Why a message was not accepted, for the log ("uid must be a string, got number").
struct Rejection {
  std::string reason;
};

/// The action name of a query ("checkuser", ...), for logs.
std::string_view action_name(const BoardQuery& query) noexcept;

/// Parses a query payload alone.
std::variant<BoardQuery, Rejection> parse_query(std::string_view payload);

/// Machine id of a query topic "<prefix>/<id>", or the reason it is not one.
std::variant<std::int64_t, Rejection> parse_query_topic(const BoardTopics& topics,
                                                        std::string_view topic);

/// Parses a PUBLISH received on a query topic: topic, then payload.
std::variant<BoardMessage, Rejection> parse_board_message(const BoardTopics& topics,
                                                          std::string_view topic,
                                                          std::string_view payload);

}  // namespace fabomatic::backend
