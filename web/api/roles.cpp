#include "web/api/roles.hpp"

#include <algorithm>

#include "db/portal_access.hpp"
#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

// A lab has a handful of roles: sorted and paged in memory.
constexpr SortField<int> kSorts[] = {{"id", 0}, {"name", 1}};

db::Role existing(db::Connection& db, db::Id id) {
  auto role = db::RolesRepository(db).get(id);
  if (!role) throw ApiError::not_found("role", id);
  return std::move(*role);
}

Json full_json(db::Connection& db, const db::Role& role) {
  return role_json(role, db::RolesRepository(db).count_users(role.id));
}

void read_fields(Body& body, db::Role& role, bool creating) {
  if (creating) body.require("name");
  if (auto v = body.text("name", {.max_length = 100, .single_line = true}))
    role.name = std::move(*v);
  if (auto v = body.boolean("backend_admin")) role.backend_admin = *v;
  if (auto v = body.boolean("maintenance")) role.maintenance = *v;
  if (auto v = body.boolean("authorize_all")) role.authorize_all = *v;
  if (auto v = body.boolean("reserved")) role.reserved = *v;
}

void refuse_reserved(const db::Role& role) {
  if (role.reserved) {
    throw ApiError::conflict("reserved", field_error::reserved("role '" + role.name +
                                                               "' is reserved: it cannot be "
                                                               "edited or deleted"));
  }
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  const auto [by, descending] = query.sort(kSorts, false);
  const db::Page page = query.page();
  query.finish();
  auto roles = db::RolesRepository(context.db).list();
  std::stable_sort(roles.begin(), roles.end(), [by = by](const db::Role& a, const db::Role& b) {
    return by == 1 ? less_nocase(a.name, b.name) : a.id < b.id;
  });
  if (descending) std::reverse(roles.begin(), roles.end());
  // Every role's count in one pass over the users (users.role_id has no index: a COUNT per
  // role read the whole table once per role).
  const auto counts = db::RolesRepository(context.db).user_counts();
  Json items = Json::array();
  for (const auto& role : slice(roles, page))
    items.push_back(role_json(role, count_for(counts, role.id)));
  return json_response(200, page_json(std::move(items), std::ssize(roles), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(200, full_json(context.db, existing(context.db, path_id(request, "role"))));
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  db::Role role;
  read_fields(body, role, true);
  body.finish();
  db::Transaction tx(context.db);
  const db::Id id = db::RolesRepository(context.db).create(role);
  Json created = full_json(context.db, existing(context.db, id));
  record_change(context, who, "create", "role", id, std::nullopt, created);
  tx.commit();
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "role");
  Body body(request);
  db::Transaction tx(context.db);
  const db::Role before = existing(context.db, id);
  refuse_reserved(before);
  db::Role after = before;
  read_fields(body, after, false);
  body.finish();
  // Taking backend admin from one's own role would end one's own access to the portal.
  if (before.backend_admin && !after.backend_admin) {
    const auto self = db::UsersRepository(context.db).get(who.user_id);
    if (self && self->role_id == id && !db::PortalGrantsRepository(context.db).get(self->id)) {
      throw ApiError::conflict(
          "backend_admin",
          field_error::self("you cannot take backend admin rights from your own role"));
    }
  }
  db::RolesRepository(context.db).update(after);
  Json after_json = full_json(context.db, existing(context.db, id));
  record_change(context, who, "update", "role", id, full_json(context.db, before), after_json);
  tx.commit();
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "role");
  db::Transaction tx(context.db);
  const db::Role before = existing(context.db, id);
  refuse_reserved(before);
  db::RolesRepository roles(context.db);
  if (const auto members = roles.count_users(id); members > 0) {
    throw ApiError::conflict(
        "references",
        field_error::in_use(std::to_string(members) + " member(s) have this role; give them "
                                                      "another role first",
                            members, "member"));
  }
  Json before_json = full_json(context.db, before);
  roles.remove(id);
  record_change(context, who, "delete", "role", id, before_json, std::nullopt);
  tx.commit();
  return Response::no_content();
}

}  // namespace

Json role_json(const db::Role& role, std::int64_t member_count) {
  return Json{{"id", role.id},
              {"name", role.name},
              {"backend_admin", role.backend_admin},
              {"maintenance", role.maintenance},
              {"authorize_all", role.authorize_all},
              {"reserved", role.reserved},
              {"member_count", member_count}};
}

void add_role_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/roles";
  auto& l = routes.emplace_back(route(Method::get, base, "roles", "List roles",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = list_params(sort_names(kSorts));
  l.response_schema = "RolePage";
  auto& c1 = routes.emplace_back(route(Method::post, base, "roles", "Create a role",
                                       [&c](auto& r, auto& w) { return create(c, r, w); }));
  c1.request_schema = "RoleCreate";
  c1.response_schema = "Role";
  c1.success_status = 201;
  routes
      .emplace_back(route(Method::get, base + "/{id}", "roles", "Get a role",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Role";
  auto& u = routes.emplace_back(
      route(Method::patch, base + "/{id}", "roles",
            "Change the fields given (flags not given keep their value); 409 for a reserved role",
            [&c](auto& r, auto& w) { return update(c, r, w); }));
  u.request_schema = "RolePatch";
  u.response_schema = "Role";
  auto& d = routes.emplace_back(
      route(Method::delete_, base + "/{id}", "roles",
            "Delete a role nobody has; 409 for a reserved role or one still in use",
            [&c](auto& r, auto& w) { return remove(c, r, w); }));
  d.success_status = 204;
}

}  // namespace fabomatic::web::api
