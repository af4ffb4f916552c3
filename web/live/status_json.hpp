// The JSON shape of the live status, one for the REST snapshot (GET /api/v1/live/status, schema
// MachineStatus of the OpenAPI document) and the WebSocket stream (/api/v1/live): the dashboard
// reads a machine the same way from either, in the API's vocabulary (member_*, not user_*).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "backend/live_status.hpp"
#include "backend/remote_control.hpp"

namespace fabomatic::web {

/// {"machine_id":1,"name":"LASER 1","state":"in_use","blocked":false,"maintenance_due":false,
///  "online":true,"last_heard":1700000100.0,"member_id":3,"member_name":"Mario Rossi",
///  "in_use_since":1700000000.0,"board_ip":"...","board_version":"...","board_serial":"...",
///  "board_heap":123} — keys in this order; null for what is not known.
nlohmann::ordered_json machine_status_json(const backend::MachineStatus& status);

/// The dashboard's status word, by precedence: in_use, blocked, maintenance, offline, free.
const char* machine_state(const backend::MachineStatus& status);

/// One WebSocket message for a live event.
nlohmann::ordered_json live_event_json(const backend::LiveEvent& event);

/// The WebSocket message announcing what a remote start/stop came to:
/// {"type":"remote","machine_id":7,"ok":true,"code":"started","message":"started"}.
nlohmann::ordered_json remote_outcome_json(db::Id machine_id,
                                           const backend::RemoteOutcome& outcome);

}  // namespace fabomatic::web
