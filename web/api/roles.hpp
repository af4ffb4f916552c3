// /api/v1/roles: name and the flags that decide what members of the role may do. Reserved roles
// cannot be edited or deleted; PATCH changes only the flags it is given.
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"

namespace fabomatic::web::api {

Json role_json(const db::Role& role, std::int64_t member_count);

}  // namespace fabomatic::web::api
