#include "web/live/status_json.hpp"

#include <nlohmann/json.hpp>

namespace fabomatic::web {

using Json = nlohmann::ordered_json;

const char* machine_state(const backend::MachineStatus& s) {
  if (s.user_id) return "in_use";
  if (s.blocked) return "blocked";
  if (s.maintenance_due) return "maintenance";
  if (!s.online) return "offline";
  return "free";
}

Json machine_status_json(const backend::MachineStatus& s) {
  const bool in_use = s.user_id.has_value();
  return Json{{"machine_id", s.machine_id},
              {"name", s.name},
              {"state", machine_state(s)},
              {"blocked", s.blocked},
              {"maintenance_due", s.maintenance_due},
              {"online", s.online},
              {"last_heard", s.last_heard > 0 ? Json(s.last_heard) : Json(nullptr)},
              {"member_id", in_use ? Json(*s.user_id) : Json(nullptr)},
              {"member_name", in_use ? Json(s.user_name) : Json(nullptr)},
              {"in_use_since", in_use ? Json(s.in_use_since) : Json(nullptr)},
              {"board_ip", s.board_ip},
              {"board_version", s.board_version},
              {"board_serial", s.board_serial},
              {"board_heap", s.board_heap}};
}

Json live_event_json(const backend::LiveEvent& event) {
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

nlohmann::ordered_json remote_outcome_json(db::Id machine_id,
                                           const backend::RemoteOutcome& outcome) {
  return {{"type", "remote"},
          {"machine_id", machine_id},
          {"ok", outcome.ok},
          {"code", outcome.code},
          {"message", outcome.message}};
}

}  // namespace fabomatic::web
