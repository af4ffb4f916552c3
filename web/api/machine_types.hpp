// /api/v1/machine-types: auto-logoff and power-off grace minutes (0..65535) and whether
// machines of the type need an authorization (access_management 0) or not (1).
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"

namespace fabomatic::web::api {

Json machine_type_json(const db::MachineType& type, std::int64_t machine_count);

}  // namespace fabomatic::web::api
