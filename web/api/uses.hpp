// /api/v1/uses: the usage history. Filters by member, machine, time range and open uses;
// manual registration (start, optional end); edit; delete with optional correction of the
// machine's hours.
#pragma once

#include "db/models.hpp"
#include "db/uses_repository.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json use_json(const db::Use& use, Names& names);

/// The history's filters (member_id, machine_id, from, before, open) as the list reads them;
/// the export of "the history as filtered on the page" reads the same.
db::UseFilter read_use_filter(Query& query);

}  // namespace fabomatic::web::api
