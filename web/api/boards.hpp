// /api/v1/boards (the board record of each machine: IP, firmware, serial, free heap, last seen)
// and /api/v1/discovered-boards (boards announcing a machine id that has no machine yet, with
// the action that creates that machine).
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"

namespace fabomatic::web::api {

Json board_json(const db::Board& board, const std::string& machine_name, bool online);
Json discovered_board_json(const db::DiscoveredBoard& board);

}  // namespace fabomatic::web::api
