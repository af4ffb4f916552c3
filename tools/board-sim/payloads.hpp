// The board's side of the protocol as text: the exact query payloads the Fab-O-Matic firmware
// publishes (its spacing included, see docs/board-protocol.md), the replay marking, and the parsing
// of what the backend sends to a board (remote requests, the few reply fields a board reads). Pure
// functions, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fabomatic::board_sim {

enum class Action : std::uint8_t {
  checkmachine,
  checkuser,
  startuse,
  inuse,
  stopuse,
  maintenance,
  alive,
  synccache,
};
inline constexpr std::size_t kActionCount = 8;
inline constexpr std::array<Action, kActionCount> kAllActions = {
    Action::checkmachine, Action::checkuser,   Action::startuse, Action::inuse,
    Action::stopuse,      Action::maintenance, Action::alive,    Action::synccache};

std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view name);

/// Queries the firmware keeps in its buffer and replays when it could not get them answered.
bool is_buffered(Action action);
/// Queries that wait for a reply (all but alive).
bool expects_reply(Action action);

/// What a board announces in its alive message. `heap` is a string, as current firmware sends it.
struct BoardIdentity {
  std::string version = "hardware-rev0-it_IT,0.7.3-12-gabcdef";
  std::string ip = "192.168.1.5";
  std::string serial = "a1b2c3d4e5f6";
  std::string heap = "183456";
};

/// A plausible distinct identity for the board of `machine_id` (ip, serial and heap vary).
BoardIdentity identity_for(int machine_id);

std::string checkmachine_payload();
std::string checkuser_payload(std::string_view uid);
std::string startuse_payload(std::string_view uid);
std::string inuse_payload(std::string_view uid, std::int64_t duration_s);
std::string stopuse_payload(std::string_view uid, std::int64_t duration_s);
std::string maintenance_payload(std::string_view uid);
std::string alive_payload(const BoardIdentity& identity);
std::string synccache_payload();

/// The payload of `action` with the given card and duration, where the action uses them.
std::string payload_for(Action action, std::string_view uid, std::int64_t duration_s,
                        const BoardIdentity& identity = {});

/// The buffered form of a query: `, "replay":true` inserted before the closing brace.
std::string as_replay(std::string_view payload);

/// The query topic of a machine: `<prefix>/<id>`; replies come on it + "/reply".
std::string query_topic(std::string_view prefix, int machine_id);

/// A remote command received on machine/<id>/request.
struct RemoteRequest {
  enum class Type : std::uint8_t { start, stop };
  Type type = Type::stop;
  std::string uid;  // may be empty for stop
};
/// Parses {"request_type":"start"|"stop","uid":"..."}; nullopt for anything else.
std::optional<RemoteRequest> parse_request(std::string_view payload);

/// The fields of a reply a board acts on. Absent keys keep these defaults, as the firmware's
/// ArduinoJson reads do; nullopt when the payload is not a JSON object.
struct ReplyFields {
  bool request_ok = false;
  bool is_valid = false;
  int level = 0;
  bool allowed = true;
  bool maintenance = false;
};
std::optional<ReplyFields> parse_reply(std::string_view payload);

}  // namespace fabomatic::board_sim
