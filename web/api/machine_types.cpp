#include "web/api/machine_types.hpp"

#include <algorithm>

#include "db/machine_types_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

constexpr std::int64_t kMaxMinutes = 65535;  // what the board's firmware stores

// A lab has a handful of types: sorted and paged in memory.
constexpr SortField<int> kSorts[] = {{"id", 0}, {"name", 1}};

db::MachineType existing(db::Connection& db, db::Id id) {
  auto type = db::MachineTypesRepository(db).get(id);
  if (!type) throw ApiError::not_found("machine type", id);
  return std::move(*type);
}

Json full_json(db::Connection& db, const db::MachineType& type) {
  return machine_type_json(type, db::MachineTypesRepository(db).count_machines(type.id));
}

void read_fields(Body& body, db::MachineType& type, bool creating) {
  if (creating) body.require("name");
  if (auto v = body.text("name", {.max_length = 100, .single_line = true}))
    type.name = std::move(*v);
  if (auto v = body.integer("timeout_min", 0, kMaxMinutes)) type.timeout_min = *v;
  if (auto v = body.integer("grace_period_min", 0, kMaxMinutes)) type.grace_period_min = *v;
  if (auto v = body.integer("access_management", 0, 1)) type.access_management = *v;
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  const auto [by, descending] = query.sort(kSorts, false);
  const db::Page page = query.page();
  query.finish();
  auto types = db::MachineTypesRepository(context.db).list();
  std::stable_sort(types.begin(), types.end(),
                   [by = by](const db::MachineType& a, const db::MachineType& b) {
                     return by == 1 ? less_nocase(a.name, b.name) : a.id < b.id;
                   });
  if (descending) std::reverse(types.begin(), types.end());
  // Every type's count in one query, not one per type.
  const auto counts = db::MachineTypesRepository(context.db).machine_counts();
  Json items = Json::array();
  for (const auto& type : slice(types, page))
    items.push_back(machine_type_json(type, count_for(counts, type.id)));
  return json_response(200, page_json(std::move(items), std::ssize(types), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(
      200, full_json(context.db, existing(context.db, path_id(request, "machine type"))));
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  db::MachineType type;
  read_fields(body, type, true);
  body.finish();
  db::Transaction tx(context.db);
  const db::Id id = db::MachineTypesRepository(context.db).create(type);
  Json created = full_json(context.db, existing(context.db, id));
  record_change(context, who, "create", "machine_type", id, std::nullopt, created);
  tx.commit();
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "machine type");
  Body body(request);
  db::Transaction tx(context.db);
  const db::MachineType before = existing(context.db, id);
  db::MachineType after = before;
  read_fields(body, after, false);
  body.finish();
  db::MachineTypesRepository(context.db).update(after);
  Json after_json = full_json(context.db, existing(context.db, id));
  record_change(context, who, "update", "machine_type", id, full_json(context.db, before),
                after_json);
  tx.commit();
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "machine type");
  db::Transaction tx(context.db);
  const db::MachineType before = existing(context.db, id);
  db::MachineTypesRepository types(context.db);
  if (const auto machines = types.count_machines(id); machines > 0) {
    throw ApiError::conflict(
        "references",
        field_error::in_use(std::to_string(machines) + " machine(s) have this type; change their "
                                                       "type first",
                            machines, "machine"));
  }
  Json before_json = full_json(context.db, before);
  types.remove(id);
  record_change(context, who, "delete", "machine_type", id, before_json, std::nullopt);
  tx.commit();
  return Response::no_content();
}

}  // namespace

Json machine_type_json(const db::MachineType& type, std::int64_t machine_count) {
  return Json{{"id", type.id},
              {"name", type.name},
              {"timeout_min", type.timeout_min},
              {"grace_period_min", type.grace_period_min},
              {"access_management", type.access_management},
              {"machine_count", machine_count}};
}

void add_machine_type_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/machine-types";
  auto& l = routes.emplace_back(route(Method::get, base, "machine types", "List machine types",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = list_params(sort_names(kSorts));
  l.response_schema = "MachineTypePage";
  auto& c1 = routes.emplace_back(route(Method::post, base, "machine types", "Create a machine type",
                                       [&c](auto& r, auto& w) { return create(c, r, w); }));
  c1.request_schema = "MachineTypeCreate";
  c1.response_schema = "MachineType";
  c1.success_status = 201;
  routes
      .emplace_back(route(Method::get, base + "/{id}", "machine types", "Get a machine type",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "MachineType";
  auto& u = routes.emplace_back(route(Method::patch, base + "/{id}", "machine types",
                                      "Change the fields given",
                                      [&c](auto& r, auto& w) { return update(c, r, w); }));
  u.request_schema = "MachineTypePatch";
  u.response_schema = "MachineType";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "machine types",
                          "Delete a type no machine has; 409 while machines have it",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .success_status = 204;
}

}  // namespace fabomatic::web::api
