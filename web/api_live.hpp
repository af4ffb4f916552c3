// /api/v1/live (the dashboard's snapshot of the live status model) and remote start/stop of a
// machine (POST /api/v1/machines/{id}/start|stop: 202 once the request went to the board; the
// outcome is logged and reaches the portal through the live WebSocket).
#pragma once

#include "backend/live_status.hpp"
#include "web/api_json.hpp"

namespace fabomatic::web::api {

/// The dashboard's status word, by precedence: in_use, blocked, maintenance, offline, free.
std::string_view machine_state(const backend::MachineStatus& status);
Json machine_status_json(const backend::MachineStatus& status);

}  // namespace fabomatic::web::api
