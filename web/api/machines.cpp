#include "web/api/machines.hpp"

#include <map>
#include <span>
#include <string>
#include <vector>

#include "db/machine_types_repository.hpp"
#include "db/maintenance_due.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

constexpr double kMaxHours = 1e7;  // more than a machine can run in a thousand years
// A lab has tens to a few hundred machines; the pickers' list stops here all the same.
constexpr std::int64_t kMaxNames = 5000;

constexpr SortField<db::MachineSort> kSorts[] = {{"id", db::MachineSort::Id},
                                                 {"name", db::MachineSort::Name},
                                                 {"type", db::MachineSort::Type},
                                                 {"hours", db::MachineSort::Hours},
                                                 {"last_seen", db::MachineSort::LastSeen}};

// What the JSON of a machine needs besides its row, read for a whole page at once: a list of
// 200 machines costs the same few statements as a list of 5.
struct MachineDetails {
  std::map<db::Id, std::string> type_names;             // every type (a lab has a handful)
  std::map<db::Id, std::vector<db::PlanStatus>> plans;  // of each machine, in plan id order
};

MachineDetails details_of(db::Connection& db, std::span<const db::Machine> machines) {
  MachineDetails details;
  for (auto& type : db::MachineTypesRepository(db).list())
    details.type_names.emplace(type.id, std::move(type.name));
  std::vector<db::Id> ids;
  ids.reserve(machines.size());
  for (const auto& machine : machines)
    ids.push_back(machine.id);
  details.plans = db::plan_statuses_for(db, ids);
  return details;
}

// The one place that shapes a machine's JSON (a list item and a single machine alike).
Json machine_json_from(const db::Machine& machine, const MachineDetails& details) {
  const std::string* type_name = nullptr;
  if (machine.type_id) {
    const auto type = details.type_names.find(*machine.type_id);
    if (type != details.type_names.end()) type_name = &type->second;
  }
  Json plans = Json::array();
  bool due = false;
  for (const auto& status : details.plans.at(machine.id)) {
    due = due || status.due;
    plans.push_back(Json{{"plan_id", status.plan_id},
                         {"description", status.description},
                         {"hours_between", status.hours_between},
                         {"used_hours", status.used_hours},
                         {"since", status.since},
                         {"due", status.due},
                         {"lcd_message", status.lcd_message}});
  }
  return Json{{"id", machine.id},
              {"name", machine.name},
              {"type_id", or_null(machine.type_id)},
              {"type_name", type_name ? Json(*type_name) : Json(nullptr)},
              {"hours", machine.hours},
              {"blocked", machine.blocked},
              {"last_seen", or_null(machine.last_seen)},
              {"maintenance_due", due},
              {"maintenance", std::move(plans)}};
}

db::Machine existing(db::Connection& db, db::Id id) {
  auto machine = db::MachinesRepository(db).get(id);
  if (!machine) throw ApiError::not_found("machine", id);
  return std::move(*machine);
}

void read_fields(db::Connection& db, Body& body, db::Machine& machine, bool creating) {
  if (creating) body.require("name");
  if (auto v = body.text("name", {.max_length = 100, .single_line = true}))
    machine.name = std::move(*v);
  if (auto v = body.nullable_integer("type_id", 1, std::numeric_limits<std::int64_t>::max())) {
    if (*v && !db::MachineTypesRepository(db).get(**v)) {
      body.error("type_id", field_error::unknown_reference("machine_type", "no such machine type"));
    } else {
      machine.type_id = *v;
    }
  }
  if (auto v = body.number("hours", 0, kMaxHours)) machine.hours = *v;
  if (auto v = body.boolean("blocked")) machine.blocked = *v;
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::MachineFilter filter;
  filter.type_id = query.id("type_id");
  filter.blocked = query.flag("blocked");
  filter.search = query.text("q");
  std::tie(filter.sort, filter.descending) = query.sort(kSorts, false);
  const db::Page page = query.page();
  query.finish();
  db::MachinesRepository machines(context.db);
  const auto rows = machines.list(filter, page);
  const MachineDetails details = details_of(context.db, rows);
  Json items = Json::array();
  for (const auto& machine : rows)
    items.push_back(machine_json_from(machine, details));
  return json_response(200, page_json(std::move(items), machines.count(filter), page));
}

// The pickers' list: id and name only, by name, without the maintenance state of each machine
// that the full list reads.
Response names(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::MachineFilter filter;
  filter.search = query.text("q");
  filter.sort = db::MachineSort::Name;
  query.finish();
  Json items = Json::array();
  for (const auto& machine :
       db::MachinesRepository(context.db).list(filter, db::Page{.limit = kMaxNames}))
    items.push_back(Json{{"id", machine.id}, {"name", machine.name}});
  return json_response(200, items);
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(200,
                       machine_json(context.db, existing(context.db, path_id(request, "machine"))));
}

Response cascade(ApiContext& context, const Request& request, const Principal&) {
  const db::Id id = path_id(request, "machine");
  existing(context.db, id);
  return json_response(200, cascade_json(db::MachinesRepository(context.db).cascade_counts(id)));
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  const auto id = body.integer("id", 1, db::kMaxChosenMachineId);
  db::Transaction tx(context.db);
  Json created = create_machine(context, who, body, id);
  tx.commit();
  refresh_live(context);
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "machine");
  Body body(request);
  db::Transaction tx(context.db);
  const db::Machine before = existing(context.db, id);
  db::Machine after = before;
  read_fields(context.db, body, after, false);
  body.finish();
  db::MachinesRepository(context.db).update(after);
  Json after_json = machine_json(context.db, existing(context.db, id));
  record_change(context, who, "update", "machine", id, machine_json(context.db, before),
                after_json);
  tx.commit();
  refresh_live(context);
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "machine");
  db::Transaction tx(context.db);
  Json before_json = machine_json(context.db, existing(context.db, id));
  const auto gone = db::MachinesRepository(context.db).remove(id);
  if (!gone) throw ApiError::not_found("machine", id);
  Json removed = cascade_json(*gone);
  before_json["removed"] = removed;  // the audit entry keeps what went with it
  record_change(context, who, "delete", "machine", id, before_json, std::nullopt);
  tx.commit();
  refresh_live(context);
  return json_response(200, Json{{"removed", std::move(removed)}});
}

}  // namespace

Json machine_json(db::Connection& db, const db::Machine& machine) {
  return machine_json_from(machine, details_of(db, std::span(&machine, 1)));
}

Json cascade_json(const db::MachineCascade& counts) {
  return Json{{"boards", counts.boards},
              {"plans", counts.plans},
              {"interventions", counts.interventions},
              {"authorizations", counts.authorizations},
              {"uses", counts.uses},
              {"unknown_cards", counts.unknown_cards},
              {"total", counts.total()}};
}

Json create_machine(ApiContext& context, const Principal& who, Body& body,
                    std::optional<db::Id> id) {
  db::Machine machine;
  read_fields(context.db, body, machine, true);
  body.finish();
  db::MachinesRepository machines(context.db);
  if (id && machines.get(*id))
    throw ApiError::conflict("id",
                             field_error::taken("machine " + std::to_string(*id) + " exists"));
  machine.id = id.value_or(0);
  const db::Id created_id = machines.create(machine);
  Json created = machine_json(context.db, existing(context.db, created_id));
  record_change(context, who, "create", "machine", created_id, std::nullopt, created);
  return created;
}

void add_machine_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/machines";
  auto& l = routes.emplace_back(route(Method::get, base, "machines",
                                      "List machines with their maintenance state",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"type_id", "integer", "only machines of this type", {}},
             {"blocked", "boolean", "only blocked (true) or unblocked (false) machines", {}},
             {"q", "string", "substring of the name (any case)", {}}};
  for (auto& p : list_params(sort_names(kSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "MachinePage";
  auto& c1 = routes.emplace_back(
      route(Method::post, base, "machines",
            "Create a machine (optionally with a given id, e.g. a discovered board's)",
            [&c](auto& r, auto& w) { return create(c, r, w); }));
  c1.request_schema = "MachineCreate";
  c1.response_schema = "Machine";
  c1.success_status = 201;
  auto& n = routes.emplace_back(
      route(Method::get, base + "/names", "machines",
            "Every machine's id and name, by name (for pickers and filters; at most 5000)",
            [&c](auto& r, auto& w) { return names(c, r, w); }));
  n.query = {{"q", "string", "substring of the name (any case)", {}}};
  n.response_schema = "MachineNames";
  routes
      .emplace_back(route(Method::get, base + "/{id}", "machines", "Get a machine",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Machine";
  auto& u = routes.emplace_back(route(Method::patch, base + "/{id}", "machines",
                                      "Change the fields given",
                                      [&c](auto& r, auto& w) { return update(c, r, w); }));
  u.request_schema = "MachinePatch";
  u.response_schema = "Machine";
  routes
      .emplace_back(route(Method::get, base + "/{id}/cascade", "machines",
                          "What deleting the machine would remove, table by table",
                          [&c](auto& r, auto& w) { return cascade(c, r, w); }))
      .response_schema = "MachineCascade";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "machines",
                          "Delete the machine and everything that belongs to it; answers "
                          "the counts removed",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .response_schema = "MachineRemoved";
}

}  // namespace fabomatic::web::api
