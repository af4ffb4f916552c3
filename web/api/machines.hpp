// /api/v1/machines: machines with their maintenance state per plan, and the delete cascade
// (boards, plans, interventions, authorizations, uses, unknown-card taps) counted before the
// admin confirms and reported after.
#pragma once

#include "db/machines_repository.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"
#include "web/api/context.hpp"
#include "web/api/json.hpp"

namespace fabomatic::web::api {

/// The machine with its type's name and the maintenance state of each of its plans.
Json machine_json(db::Connection& db, const db::Machine& machine);
Json cascade_json(const db::MachineCascade& counts);

/// Creates a machine from a request body inside the caller's transaction (with the audit
/// entry); `id` forces the machine id (a discovered board's). Returns the new machine's JSON.
Json create_machine(ApiContext& context, const Principal& who, Body& body,
                    std::optional<db::Id> id);

}  // namespace fabomatic::web::api
