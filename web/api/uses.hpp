// /api/v1/uses: the usage history. Filters by member, machine, time range and open uses;
// manual registration (start, optional end); edit; delete with optional correction of the
// machine's hours.
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json use_json(const db::Use& use, Names& names);

}  // namespace fabomatic::web::api
