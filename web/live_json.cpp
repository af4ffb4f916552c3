#include "web/live_json.hpp"

#include <nlohmann/json.hpp>

namespace fabomatic::web {

const char* machine_state(const backend::MachineStatus& s) {
  if (s.user_id) return "in_use";
  if (s.blocked) return "blocked";
  if (s.maintenance_due) return "maintenance";
  if (!s.online) return "offline";
  return "free";
}

nlohmann::json machine_status_json(const backend::MachineStatus& s) {
  nlohmann::json j = {
      {"machine_id", s.machine_id},
      {"name", s.name},
      {"state", machine_state(s)},
      {"online", s.online},
      {"blocked", s.blocked},
      {"maintenance_due", s.maintenance_due},
      {"user_id", s.user_id ? nlohmann::json(*s.user_id) : nlohmann::json(nullptr)},
      {"user_name", s.user_name},
      {"in_use_since", s.user_id ? nlohmann::json(s.in_use_since) : nlohmann::json(nullptr)},
      {"last_heard", s.last_heard > 0 ? nlohmann::json(s.last_heard) : nlohmann::json(nullptr)},
      {"board",
       {{"ip", s.board_ip},
        {"version", s.board_version},
        {"serial", s.board_serial},
        {"heap", s.board_heap}}},
  };
  return j;
}

nlohmann::json live_event_json(const backend::LiveEvent& event) {
  switch (event.kind) {
    case backend::LiveEventKind::machine_changed:
      return {{"type", "machine"}, {"machine", machine_status_json(event.machine)}};
    case backend::LiveEventKind::machine_removed:
      return {{"type", "machine_removed"}, {"machine_id", event.machine_id}};
    case backend::LiveEventKind::unknown_card:
      return {{"type", "unknown_card"},
              {"machine_id", event.machine_id},
              {"card", event.card},
              {"time", event.time}};
    case backend::LiveEventKind::board_discovered:
      return {{"type", "board_discovered"}, {"machine_id", event.machine_id}, {"time", event.time}};
  }
  return {{"type", "unknown"}};
}

}  // namespace fabomatic::web
