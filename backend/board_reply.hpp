// Replies to the boards (docs/board-protocol.md "Replies"), remote requests and the stats message,
// as exact JSON text. Compact JSON, keys in docs/board-protocol.md's order, booleans as JSON
// booleans and integers as JSON integers.
//
// Every reply formatter takes the byte budget of its reply topic (board_payload_budget) and
// guarantees the payload fits in it whenever the budget is at least kMinReplyBudget: texts
// (names, descriptions, messages) are cut to a prefix on a UTF-8 character boundary, measured
// after JSON escaping, with no marker; synccache keeps the first cards, as many as fit.
// Ill-formed UTF-8 coming from the database is sent as U+FFFD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabomatic::backend {

/// {"request_ok":true,"is_valid":true,"name":"Mario","missing_auth":false,"level":2}
struct CheckUserReply {
  bool request_ok = true;
  bool is_valid = false;
  std::string name;
  bool missing_auth = false;
  std::int64_t level = 0;
};

/// {"request_ok":true,"is_valid":true,"maintenance":false,"allowed":true,"name":"LASER 1",
///  "logoff":1440,"type":1,"grace":2,"description":""}
struct CheckMachineReply {
  bool request_ok = true;
  bool is_valid = false;
  bool maintenance = false;
  bool allowed = false;
  std::string name;
  std::int64_t logoff = 0;
  std::int64_t type = 0;
  std::int64_t grace = 0;
  std::string description;
};

/// {"request_ok":true,"message":"..."}: startuse, inuse, stopuse, maintenance, and the
/// unknown-machine and error replies.
struct SimpleReply {
  bool request_ok = true;
  std::string message;
};

struct CacheCard {
  std::string uid;
  std::int64_t level = 0;
};

/// {"request_ok":true,"cards":[{"uid":"aabbccd1","level":2},...]}
struct SyncCacheReply {
  bool request_ok = true;
  std::vector<CacheCard> cards;
};

std::string format_reply(const CheckUserReply& reply, std::size_t budget);

/// When name and description do not both fit, the room left is shared fairly: each gets at
/// least half of it, and whichever needs less than its half leaves the rest to the other.
std::string format_reply(const CheckMachineReply& reply, std::size_t budget);

std::string format_reply(const SimpleReply& reply, std::size_t budget);

/// `cards_sent`, when given, receives how many cards fitted.
std::string format_reply(const SyncCacheReply& reply, std::size_t budget,
                         std::size_t* cards_sent = nullptr);

/// The fixed replies of docs/board-protocol.md.
SimpleReply unknown_machine_reply();                  // request_ok false, "Invalid machine ID"
SimpleReply stop_use_reply(std::int64_t duration_s);  // request_ok true, "Duration <n> seconds"

enum class RemoteRequest { start, stop };

/// {"request_type":"start","uid":"aabbccd1"} for <prefix>/<id>/request. A card id cannot be
/// cut, so this is empty when it does not fit in `budget`.
std::optional<std::string> format_remote_request(RemoteRequest type, std::string_view uid,
                                                 std::size_t budget);

/// What the old backend published on stats/<client_id>.
struct BackendStats {
  bool connected = true;
  std::string host;            // "Backend host": the host name
  std::string ip;              // "Backend IP": the host name's address
  std::uint64_t received = 0;  // "Received": messages received on the query topics
  std::uint64_t sent = 0;      // "Sent": replies sent
};

/// The old backend's stats message byte for byte: Python's json.dumps of a dict, so
/// {"Connected": true, "Backend host": "fabpi2", "Backend IP": "10.0.0.2", "Received": 12,
/// "Sent": 10} with its ", " and ": " separators and non-ASCII escaped as \uXXXX.
std::string format_stats(const BackendStats& stats);

}  // namespace fabomatic::backend
