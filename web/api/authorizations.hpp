// /api/v1/authorizations: which member may use which machine, with filters by member and
// machine, and a bulk add (one machine, many members) that skips pairs that exist; the one-pair
// add is shared with the conversion of an unknown card.
#pragma once

#include "db/models.hpp"
#include "web/api/context.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json authorization_json(const db::Authorization& authorization, Names& names);

/// Authorizes `member_id` on `machine_id` (both exist; the pair does not yet), audited; returns
/// the new authorization as the API shows it. Inside the caller's transaction.
Json add_authorization(ApiContext& context, const Principal& who, db::Id member_id,
                       db::Id machine_id);

}  // namespace fabomatic::web::api
