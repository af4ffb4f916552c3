// The JSON shape of the live status, shared by the REST snapshot and the WebSocket stream.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "backend/live_status.hpp"

namespace fabomatic::web {

/// {"machine_id":1,"name":"LASER 1","state":"in_use","online":true,"blocked":false,
///  "maintenance_due":false,"user_id":3,"user_name":"Mario Rossi","in_use_since":1700000000.0,
///  "last_heard":1700000100.0,"board":{"ip":"...","version":"...","serial":"...","heap":123}}
/// `state` follows the dashboard's precedence: in_use, blocked, maintenance, offline, free.
nlohmann::json machine_status_json(const backend::MachineStatus& status);

/// The state word of the dashboard card.
const char* machine_state(const backend::MachineStatus& status);

/// One WebSocket message for a live event.
nlohmann::json live_event_json(const backend::LiveEvent& event);

}  // namespace fabomatic::web
