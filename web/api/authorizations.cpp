#include "web/api/authorizations.hpp"

#include <set>

#include "db/authorizations_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/users_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

constexpr std::size_t kMaxBulk = 10'000;

constexpr SortField<db::AuthorizationSort> kSorts[] = {{"id", db::AuthorizationSort::Id},
                                                       {"member", db::AuthorizationSort::User},
                                                       {"machine", db::AuthorizationSort::Machine}};

db::Authorization existing(db::Connection& db, db::Id id) {
  auto authorization = db::AuthorizationsRepository(db).get(id);
  if (!authorization) throw ApiError::not_found("authorization", id);
  return *authorization;
}

Json one_json(db::Connection& db, const db::Authorization& authorization) {
  Names names(db);
  return authorization_json(authorization, names);
}

// A member that can hold an authorization: exists and is not deleted.
void check_member(db::Connection& db, Body& body, std::string_view field, db::Id id) {
  const auto user = db::UsersRepository(db).get(id);
  if (!user) {
    body.error(field, field_error::unknown_reference("member", "no such member"));
  } else if (user->deleted) {
    body.error(field, field_error::unknown_reference("member", "the member is deleted"));
  }
}

void check_machine(db::Connection& db, Body& body, std::string_view field, db::Id id) {
  if (!db::MachinesRepository(db).get(id))
    body.error(field, field_error::unknown_reference("machine", "no such machine"));
}

void refuse_existing_pair(db::Connection& db, const db::Authorization& pair) {
  if (db::AuthorizationsRepository(db).exists(pair.user_id, pair.machine_id)) {
    throw ApiError::conflict(
        "member_id", field_error::taken("this member is already authorized on this machine"));
  }
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::AuthorizationFilter filter;
  filter.user_id = query.id("member_id");
  filter.machine_id = query.id("machine_id");
  std::tie(filter.sort, filter.descending) = query.sort(kSorts, false);
  const db::Page page = query.page();
  query.finish();
  db::AuthorizationsRepository authorizations(context.db);
  const auto rows = authorizations.list(filter, page);
  Names names(context.db);
  names.preload(rows, &db::Authorization::user_id, &db::Authorization::machine_id);
  Json items = Json::array();
  for (const auto& authorization : rows)
    items.push_back(authorization_json(authorization, names));
  return json_response(200, page_json(std::move(items), authorizations.count(filter), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(
      200, one_json(context.db, existing(context.db, path_id(request, "authorization"))));
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  body.require("member_id");
  body.require("machine_id");
  db::Authorization pair;
  if (auto v = body.id("member_id")) {
    check_member(context.db, body, "member_id", *v);
    pair.user_id = *v;
  }
  if (auto v = body.id("machine_id")) {
    check_machine(context.db, body, "machine_id", *v);
    pair.machine_id = *v;
  }
  body.finish();
  db::Transaction tx(context.db);
  refuse_existing_pair(context.db, pair);
  Json created = add_authorization(context, who, pair.user_id, pair.machine_id);
  tx.commit();
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "authorization");
  Body body(request);
  db::Transaction tx(context.db);
  const db::Authorization before = existing(context.db, id);
  db::Authorization after = before;
  if (auto v = body.id("member_id")) {
    check_member(context.db, body, "member_id", *v);
    after.user_id = *v;
  }
  if (auto v = body.id("machine_id")) {
    check_machine(context.db, body, "machine_id", *v);
    after.machine_id = *v;
  }
  body.finish();
  if (after.user_id != before.user_id || after.machine_id != before.machine_id) {
    refuse_existing_pair(context.db, after);
    db::AuthorizationsRepository(context.db).update(after);
  }
  Json after_json = one_json(context.db, after);
  record_change(context, who, "update", "authorization", id, one_json(context.db, before),
                after_json);
  tx.commit();
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "authorization");
  db::Transaction tx(context.db);
  Json before = one_json(context.db, existing(context.db, id));
  db::AuthorizationsRepository(context.db).remove(id);
  record_change(context, who, "delete", "authorization", id, before, std::nullopt);
  tx.commit();
  return Response::no_content();
}

// One machine, many members (the portal's select-all): pairs that exist are skipped, as are
// repeated ids; an unknown or deleted member refuses the whole request, naming the ids.
Response bulk_add(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  body.require("machine_id");
  body.require("member_ids");
  const auto machine_id = body.id("machine_id");
  if (machine_id) check_machine(context.db, body, "machine_id", *machine_id);
  const auto member_ids = body.id_list("member_ids", kMaxBulk);
  if (member_ids) {
    std::string bad;
    Json bad_ids = Json::array();
    db::UsersRepository users(context.db);
    for (const db::Id id : std::set<db::Id>(member_ids->begin(), member_ids->end())) {
      const auto user = users.get(id);
      if (!user || user->deleted) {
        bad += (bad.empty() ? "" : ", ") + std::to_string(id);
        bad_ids.push_back(id);
      }
    }
    if (!bad.empty()) {
      FieldError error =
          field_error::unknown_reference("member", "no such member (or deleted): " + bad);
      error.params["ids"] = std::move(bad_ids);
      body.error("member_ids", std::move(error));
    }
  }
  body.finish();

  db::Transaction tx(context.db);
  db::AuthorizationsRepository authorizations(context.db);
  Json added = Json::array();
  Json skipped = Json::array();
  for (const db::Id id : std::set<db::Id>(member_ids->begin(), member_ids->end())) {
    (authorizations.exists(id, *machine_id) ? skipped : added).push_back(id);
  }
  const std::vector<db::Id> to_add = added.get<std::vector<db::Id>>();
  authorizations.bulk_add(*machine_id, to_add);
  Json result{{"machine_id", *machine_id},
              {"added", added.size()},
              {"skipped", skipped.size()},
              {"added_member_ids", added},
              {"skipped_member_ids", skipped}};
  if (!to_add.empty()) {
    record_change(context, who, "bulk_add", "authorization", std::nullopt, std::nullopt,
                  Json{{"machine_id", *machine_id}, {"member_ids", added}});
  }
  tx.commit();
  return json_response(200, result);
}

}  // namespace

Json add_authorization(ApiContext& context, const Principal& who, db::Id member_id,
                       db::Id machine_id) {
  db::Authorization pair;
  pair.user_id = member_id;
  pair.machine_id = machine_id;
  pair.id = db::AuthorizationsRepository(context.db).create(member_id, machine_id);
  Json created = one_json(context.db, pair);
  record_change(context, who, "create", "authorization", pair.id, std::nullopt, created);
  return created;
}

Json authorization_json(const db::Authorization& authorization, Names& names) {
  return Json{{"id", authorization.id},
              {"member_id", authorization.user_id},
              {"member_name", names.member(authorization.user_id)},
              {"machine_id", authorization.machine_id},
              {"machine_name", names.machine(authorization.machine_id)}};
}

void add_authorization_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/authorizations";
  auto& l = routes.emplace_back(route(Method::get, base, "authorizations", "List authorizations",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"member_id", "integer", "only this member's", {}},
             {"machine_id", "integer", "only this machine's", {}}};
  for (auto& p : list_params(sort_names(kSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "AuthorizationPage";
  auto& c1 = routes.emplace_back(route(Method::post, base, "authorizations",
                                       "Authorize a member on a machine; 409 when the pair exists",
                                       [&c](auto& r, auto& w) { return create(c, r, w); }));
  c1.request_schema = "AuthorizationCreate";
  c1.response_schema = "Authorization";
  c1.success_status = 201;
  auto& b =
      routes.emplace_back(route(Method::post, base + "/bulk", "authorizations",
                                "Authorize many members on one machine, skipping pairs that exist",
                                [&c](auto& r, auto& w) { return bulk_add(c, r, w); }));
  b.request_schema = "AuthorizationBulk";
  b.response_schema = "AuthorizationBulkResult";
  routes
      .emplace_back(route(Method::get, base + "/{id}", "authorizations", "Get an authorization",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Authorization";
  auto& u = routes.emplace_back(route(Method::patch, base + "/{id}", "authorizations",
                                      "Move an authorization to another member or machine",
                                      [&c](auto& r, auto& w) { return update(c, r, w); }));
  u.request_schema = "AuthorizationPatch";
  u.response_schema = "Authorization";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "authorizations",
                          "Delete an authorization",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .success_status = 204;
}

}  // namespace fabomatic::web::api
