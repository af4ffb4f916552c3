// /api/v1/maintenance-plans (what to service on a machine every so many hours, with its state:
// hours used since the last intervention, due or not) and /api/v1/interventions (who serviced
// which plan when: filters, manual registration, edit, delete; replayed ones marked).
#pragma once

#include "db/interventions_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/models.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json plan_json(const db::MaintenancePlan& plan, const db::PlanStatus* status, Names& names);

/// The interventions' filters (machine_id, plan_id, member_id, from, before) as the list reads
/// them; the export reads the same.
db::InterventionFilter read_intervention_filter(Query& query);
Json intervention_json(const db::Intervention& intervention, Names& names);

}  // namespace fabomatic::web::api
