#include "web/api/maintenance.hpp"

#include <algorithm>
#include <map>
#include <span>
#include <vector>

#include "db/interventions_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/users_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

constexpr std::size_t kLcdColumns = 16;  // one line of the board's display
constexpr double kMaxHoursBetween = 1e6;

// Plans are a few per machine: sorted and paged in memory.
constexpr SortField<int> kPlanSorts[] = {
    {"machine", 0}, {"id", 1}, {"hours_between", 2}, {"description", 3}};

constexpr SortField<db::InterventionSort> kInterventionSorts[] = {
    {"timestamp", db::InterventionSort::Timestamp},
    {"id", db::InterventionSort::Id},
    {"machine", db::InterventionSort::Machine},
    {"member", db::InterventionSort::User}};

// ---- plans ---------------------------------------------------------------------------------

db::MaintenancePlan existing_plan(db::Connection& db, db::Id id) {
  auto plan = db::MaintenancesRepository(db).get(id);
  if (!plan) throw ApiError::not_found("maintenance plan", id);
  return std::move(*plan);
}

// The state of each plan of a page, read for all their machines in one query.
class PlanStatuses {
 public:
  PlanStatuses(db::Connection& db, std::span<const db::MaintenancePlan> plans) {
    std::vector<db::Id> machines;
    machines.reserve(plans.size());
    for (const auto& plan : plans)
      machines.push_back(plan.machine_id);
    std::ranges::sort(machines);
    machines.erase(std::unique(machines.begin(), machines.end()), machines.end());
    for (auto& [machine_id, statuses] : db::plan_statuses_for(db, machines)) {
      for (auto& status : statuses)
        by_plan_.emplace(status.plan_id, std::move(status));
    }
  }
  const db::PlanStatus* of(const db::MaintenancePlan& plan) const {
    const auto it = by_plan_.find(plan.id);
    return it == by_plan_.end() ? nullptr : &it->second;
  }

 private:
  std::map<db::Id, db::PlanStatus> by_plan_;
};

Json one_plan_json(db::Connection& db, const db::MaintenancePlan& plan) {
  const PlanStatuses statuses(db, std::span(&plan, 1));
  Names names(db);
  return plan_json(plan, statuses.of(plan), names);
}

bool web_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

void read_plan_fields(db::Connection& db, Body& body, db::MaintenancePlan& plan, bool creating) {
  if (creating) {
    body.require("machine_id");
    body.require("description");
    body.require("hours_between");
  }
  if (auto v = body.id("machine_id")) {
    if (db::MachinesRepository(db).get(*v)) {
      plan.machine_id = *v;
    } else {
      body.error("machine_id", field_error::unknown_reference("machine", "no such machine"));
    }
  }
  if (auto v = body.text("description", {.max_length = 500})) plan.description = std::move(*v);
  if (auto v = body.number("hours_between", 0, kMaxHoursBetween)) plan.hours_between = *v;
  if (auto v =
          body.nullable_text("lcd_message", {.max_length = kLcdColumns, .single_line = true})) {
    plan.lcd_message = std::move(*v);
  }
  if (auto v = body.nullable_text("instructions_url", {.max_length = 500, .single_line = true})) {
    // Shown as a link in the portal: only web addresses, never javascript: or data: URLs.
    if (*v && !web_url(**v)) {
      body.error("instructions_url",
                 field_error::pattern("url", "must start with http:// or https://"));
    } else {
      plan.instructions_url = std::move(*v);
    }
  }
}

Response list_plans(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::MaintenanceFilter filter;
  filter.machine_id = query.id("machine_id");
  const auto [by, descending] = query.sort(kPlanSorts, false);
  const db::Page page = query.page();
  query.finish();
  auto plans = db::MaintenancesRepository(context.db).list(filter);
  std::stable_sort(plans.begin(), plans.end(),
                   [by = by](const db::MaintenancePlan& a, const db::MaintenancePlan& b) {
                     switch (by) {
                       case 1:
                         return a.id < b.id;
                       case 2:
                         return a.hours_between < b.hours_between;
                       case 3:
                         return less_nocase(a.description, b.description);
                       default:
                         return a.machine_id != b.machine_id ? a.machine_id < b.machine_id
                                                             : a.id < b.id;
                     }
                   });
  if (descending) std::reverse(plans.begin(), plans.end());
  const auto shown = slice(plans, page);
  const PlanStatuses statuses(context.db, shown);
  Names names(context.db);
  names.preload(shown, nullptr, &db::MaintenancePlan::machine_id);
  Json items = Json::array();
  for (const auto& plan : shown)
    items.push_back(plan_json(plan, statuses.of(plan), names));
  return json_response(200, page_json(std::move(items), std::ssize(plans), page));
}

Response get_plan(ApiContext& context, const Request& request, const Principal&) {
  return json_response(
      200,
      one_plan_json(context.db, existing_plan(context.db, path_id(request, "maintenance plan"))));
}

Response plan_cascade(ApiContext& context, const Request& request, const Principal&) {
  const db::Id id = path_id(request, "maintenance plan");
  existing_plan(context.db, id);
  const auto counts = db::MaintenancesRepository(context.db).cascade_counts(id);
  return json_response(200,
                       Json{{"interventions", counts.interventions}, {"total", counts.total()}});
}

Response create_plan(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  db::MaintenancePlan plan;
  read_plan_fields(context.db, body, plan, true);
  body.finish();
  db::Transaction tx(context.db);
  const db::Id id = db::MaintenancesRepository(context.db).create(plan);
  Json created = one_plan_json(context.db, existing_plan(context.db, id));
  record_change(context, who, "create", "maintenance_plan", id, std::nullopt, created);
  tx.commit();
  refresh_live(context);
  return json_response(201, created);
}

Response update_plan(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "maintenance plan");
  Body body(request);
  db::Transaction tx(context.db);
  const db::MaintenancePlan before = existing_plan(context.db, id);
  Json before_json = one_plan_json(context.db, before);
  db::MaintenancePlan after = before;
  read_plan_fields(context.db, body, after, false);
  body.finish();
  db::MaintenancesRepository(context.db).update(after);
  Json after_json = one_plan_json(context.db, existing_plan(context.db, id));
  record_change(context, who, "update", "maintenance_plan", id, before_json, after_json);
  tx.commit();
  refresh_live(context);
  return json_response(200, after_json);
}

Response remove_plan(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "maintenance plan");
  db::Transaction tx(context.db);
  Json before = one_plan_json(context.db, existing_plan(context.db, id));
  const auto gone = db::MaintenancesRepository(context.db).remove(id);
  if (!gone) throw ApiError::not_found("maintenance plan", id);
  Json removed{{"interventions", gone->interventions}, {"total", gone->total()}};
  before["removed"] = removed;
  record_change(context, who, "delete", "maintenance_plan", id, before, std::nullopt);
  tx.commit();
  refresh_live(context);
  return json_response(200, Json{{"removed", std::move(removed)}});
}

// ---- interventions -------------------------------------------------------------------------

db::Intervention existing_intervention(db::Connection& db, db::Id id) {
  auto intervention = db::InterventionsRepository(db).get(id);
  if (!intervention) throw ApiError::not_found("intervention", id);
  return *intervention;
}

Json one_intervention_json(db::Connection& db, const db::Intervention& intervention) {
  Names names(db);
  return intervention_json(intervention, names);
}

// The plan decides the machine: an intervention is always on its plan's machine.
void read_intervention_fields(db::Connection& db, Body& body, db::Intervention& intervention,
                              double now, bool creating) {
  if (creating) {
    body.require("plan_id");
    body.require("member_id");
  }
  if (auto v = body.id("plan_id")) {
    if (const auto plan = db::MaintenancesRepository(db).get(*v)) {
      intervention.maintenance_id = plan->id;
      intervention.machine_id = plan->machine_id;
    } else {
      body.error("plan_id", field_error::unknown_reference("plan", "no such maintenance plan"));
    }
  }
  if (auto v = body.id("member_id")) {
    if (db::UsersRepository(db).get(*v)) {
      intervention.user_id = *v;
    } else {
      body.error("member_id", field_error::unknown_reference("member", "no such member"));
    }
  }
  if (auto v = body.past_time("timestamp", now)) intervention.timestamp = *v;
}

Response list_interventions(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::InterventionFilter filter = read_intervention_filter(query);
  std::tie(filter.sort, filter.descending) = query.sort(kInterventionSorts, true);
  const db::Page page = query.page();
  query.finish();
  db::InterventionsRepository interventions(context.db);
  const auto rows = interventions.list(filter, page);
  Names names(context.db);
  names.preload(rows, &db::Intervention::user_id, &db::Intervention::machine_id,
                &db::Intervention::maintenance_id);
  Json items = Json::array();
  for (const auto& intervention : rows)
    items.push_back(intervention_json(intervention, names));
  return json_response(200, page_json(std::move(items), interventions.count(filter), page));
}

Response get_intervention(ApiContext& context, const Request& request, const Principal&) {
  return json_response(
      200, one_intervention_json(
               context.db, existing_intervention(context.db, path_id(request, "intervention"))));
}

Response create_intervention(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  db::Intervention intervention;
  intervention.timestamp = context.now();
  read_intervention_fields(context.db, body, intervention, context.now(), true);
  body.finish();
  db::Transaction tx(context.db);
  intervention.id = db::InterventionsRepository(context.db).create(intervention);
  Json created = one_intervention_json(context.db, intervention);
  record_change(context, who, "create", "intervention", intervention.id, std::nullopt, created);
  tx.commit();
  refresh_live(context);
  return json_response(201, created);
}

Response update_intervention(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "intervention");
  Body body(request);
  db::Transaction tx(context.db);
  const db::Intervention before = existing_intervention(context.db, id);
  db::Intervention after = before;
  read_intervention_fields(context.db, body, after, context.now(), false);
  body.finish();
  db::InterventionsRepository(context.db).update(after);
  Json after_json = one_intervention_json(context.db, existing_intervention(context.db, id));
  record_change(context, who, "update", "intervention", id,
                one_intervention_json(context.db, before), after_json);
  tx.commit();
  refresh_live(context);
  return json_response(200, after_json);
}

Response remove_intervention(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "intervention");
  db::Transaction tx(context.db);
  Json before = one_intervention_json(context.db, existing_intervention(context.db, id));
  db::InterventionsRepository(context.db).remove(id);
  record_change(context, who, "delete", "intervention", id, before, std::nullopt);
  tx.commit();
  refresh_live(context);
  return Response::no_content();
}

}  // namespace

Json plan_json(const db::MaintenancePlan& plan, const db::PlanStatus* status, Names& names) {
  return Json{{"id", plan.id},
              {"machine_id", plan.machine_id},
              {"machine_name", names.machine(plan.machine_id)},
              {"description", plan.description},
              {"hours_between", plan.hours_between},
              {"lcd_message", or_null(plan.lcd_message)},
              {"instructions_url", or_null(plan.instructions_url)},
              {"since", status ? status->since : 0.0},
              {"used_hours", status ? status->used_hours : 0.0},
              {"due", status != nullptr && status->due}};
}

Json intervention_json(const db::Intervention& intervention, Names& names) {
  return Json{{"id", intervention.id},
              {"plan_id", intervention.maintenance_id},
              {"plan_description", names.plan(intervention.maintenance_id)},
              {"machine_id", intervention.machine_id},
              {"machine_name", names.machine(intervention.machine_id)},
              {"member_id", intervention.user_id},
              {"member_name", names.member(intervention.user_id)},
              {"timestamp", intervention.timestamp},
              {"replay", intervention.replay}};
}

void add_maintenance_routes(RouteTable& routes, ApiContext& c) {
  const std::string plans = "/api/v1/maintenance-plans";
  auto& l = routes.emplace_back(route(Method::get, plans, "maintenance",
                                      "List maintenance plans with their state",
                                      [&c](auto& r, auto& w) { return list_plans(c, r, w); }));
  l.query = {{"machine_id", "integer", "only this machine's plans", {}}};
  for (auto& p : list_params(sort_names(kPlanSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "PlanPage";
  auto& c1 =
      routes.emplace_back(route(Method::post, plans, "maintenance", "Create a maintenance plan",
                                [&c](auto& r, auto& w) { return create_plan(c, r, w); }));
  c1.request_schema = "PlanCreate";
  c1.response_schema = "Plan";
  c1.success_status = 201;
  routes
      .emplace_back(route(Method::get, plans + "/{id}", "maintenance", "Get a maintenance plan",
                          [&c](auto& r, auto& w) { return get_plan(c, r, w); }))
      .response_schema = "Plan";
  auto& u = routes.emplace_back(route(Method::patch, plans + "/{id}", "maintenance",
                                      "Change the fields given",
                                      [&c](auto& r, auto& w) { return update_plan(c, r, w); }));
  u.request_schema = "PlanPatch";
  u.response_schema = "Plan";
  routes
      .emplace_back(route(Method::get, plans + "/{id}/cascade", "maintenance",
                          "What deleting the plan would remove",
                          [&c](auto& r, auto& w) { return plan_cascade(c, r, w); }))
      .response_schema = "PlanCascade";
  routes
      .emplace_back(route(Method::delete_, plans + "/{id}", "maintenance",
                          "Delete the plan and its interventions; answers the counts removed",
                          [&c](auto& r, auto& w) { return remove_plan(c, r, w); }))
      .response_schema = "PlanRemoved";

  const std::string interventions = "/api/v1/interventions";
  auto& li = routes.emplace_back(
      route(Method::get, interventions, "maintenance", "List interventions (newest first)",
            [&c](auto& r, auto& w) { return list_interventions(c, r, w); }));
  li.query = {{"machine_id", "integer", "only on this machine", {}},
              {"plan_id", "integer", "only for this plan", {}},
              {"member_id", "integer", "only by this member", {}},
              {"from", "number", "timestamp >= from (unix seconds)", {}},
              {"before", "number", "timestamp < before (unix seconds)", {}}};
  for (auto& p : list_params(sort_names(kInterventionSorts)))
    li.query.push_back(std::move(p));
  li.response_schema = "InterventionPage";
  auto& ci =
      routes.emplace_back(route(Method::post, interventions, "maintenance",
                                "Register an intervention by hand (timestamp defaults to now)",
                                [&c](auto& r, auto& w) { return create_intervention(c, r, w); }));
  ci.request_schema = "InterventionCreate";
  ci.response_schema = "Intervention";
  ci.success_status = 201;
  routes
      .emplace_back(route(Method::get, interventions + "/{id}", "maintenance",
                          "Get an intervention",
                          [&c](auto& r, auto& w) { return get_intervention(c, r, w); }))
      .response_schema = "Intervention";
  auto& ui =
      routes.emplace_back(route(Method::patch, interventions + "/{id}", "maintenance",
                                "Change the fields given (the machine follows the plan)",
                                [&c](auto& r, auto& w) { return update_intervention(c, r, w); }));
  ui.request_schema = "InterventionPatch";
  ui.response_schema = "Intervention";
  routes
      .emplace_back(route(Method::delete_, interventions + "/{id}", "maintenance",
                          "Delete an intervention",
                          [&c](auto& r, auto& w) { return remove_intervention(c, r, w); }))
      .success_status = 204;
}

db::InterventionFilter read_intervention_filter(Query& query) {
  db::InterventionFilter filter;
  filter.machine_id = query.id("machine_id");
  filter.maintenance_id = query.id("plan_id");
  filter.user_id = query.id("member_id");
  filter.from = query.time("from");
  filter.before = query.time("before");
  return filter;
}

}  // namespace fabomatic::web::api
