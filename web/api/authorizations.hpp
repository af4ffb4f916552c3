// /api/v1/authorizations: which member may use which machine, with filters by member and
// machine, and a bulk add (one machine, many members) that skips pairs that exist.
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json authorization_json(const db::Authorization& authorization, Names& names);

}  // namespace fabomatic::web::api
