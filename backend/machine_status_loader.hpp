// Reads what the live status shows of a machine from the database (name, blocked, maintenance
// due, current use and user, board), for the start-up snapshot and after changes.
#pragma once

#include <optional>
#include <vector>

#include "backend/live_status.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::backend {

std::optional<MachineStatus> load_machine_status(db::Connection& db, db::Id machine_id);
std::vector<MachineStatus> load_all_machine_statuses(db::Connection& db);

}  // namespace fabomatic::backend
