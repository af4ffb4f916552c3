#include "web/api/uses.hpp"

#include <algorithm>

#include "db/machines_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {
constexpr double kMaxUseSeconds = 366.0 * 86400;  // a use entered by hand

constexpr SortField<db::UseSort> kSorts[] = {
    {"start", db::UseSort::Start},     {"id", db::UseSort::Id},
    {"end", db::UseSort::End},         {"last_seen", db::UseSort::LastSeen},
    {"machine", db::UseSort::Machine}, {"member", db::UseSort::User}};

db::Use existing(db::Connection& db, db::Id id) {
  auto use = db::UsesRepository(db).get(id);
  if (!use) throw ApiError::not_found("use", id);
  return *use;
}

Json one_json(db::Connection& db, const db::Use& use) {
  Names names(db);
  return use_json(use, names);
}

void read_fields(db::Connection& db, Body& body, db::Use& use, bool creating, double now) {
  if (creating) {
    body.require("member_id");
    body.require("machine_id");
    body.require("start");
  }
  if (auto v = body.id("member_id")) {
    if (db::UsersRepository(db).get(*v)) {
      use.user_id = *v;
    } else {
      body.error("member_id", field_error::unknown_reference("member", "no such member"));
    }
  }
  if (auto v = body.id("machine_id")) {
    if (db::MachinesRepository(db).get(*v)) {
      use.machine_id = *v;
    } else {
      body.error("machine_id", field_error::unknown_reference("machine", "no such machine"));
    }
  }
  if (auto v = body.past_time("start", now)) use.start = *v;
  if (auto v = body.nullable_past_time("end", now)) use.end = *v;
  if (!body.has_errors() && use.end && *use.end < use.start) {
    body.error("end", field_error::order("start"));
  } else if (!body.has_errors() && use.end && *use.end - use.start > kMaxUseSeconds) {
    // Its hours go to the machine: a typo in a year must not add centuries to it.
    body.error("end", field_error::invalid("a use lasts at most 366 days"));
  }
}

// The board path expects at most one open use per machine.
void refuse_second_open_use(db::Connection& db, const db::Use& use) {
  if (!use.open()) return;
  const auto open = db::UsesRepository(db).open_use(use.machine_id);
  if (open && open->id != use.id) {
    throw ApiError::conflict("end", field_error::open_use(open->id));
  }
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::UseFilter filter = read_use_filter(query);
  std::tie(filter.sort, filter.descending) = query.sort(kSorts, true);
  const db::Page page = query.page();
  query.finish();
  db::UsesRepository uses(context.db);
  const auto rows = uses.list(filter, page);
  Names names(context.db);
  names.preload(rows, &db::Use::user_id, &db::Use::machine_id);
  Json items = Json::array();
  for (const auto& use : rows)
    items.push_back(use_json(use, names));
  return json_response(200, page_json(std::move(items), uses.count(filter), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(200, one_json(context.db, existing(context.db, path_id(request, "use"))));
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  db::Use use;
  read_fields(context.db, body, use, true, context.now());
  body.finish();
  // An open use registered by hand is in progress now, as far as staff know: seen now, so the
  // stale-use check gives it the whole use timeout from here (seen at its start, one begun an
  // hour ago was closed at once, with no duration).
  use.last_seen = use.end ? *use.end : std::max(use.start, context.now());
  db::Transaction tx(context.db);
  refuse_second_open_use(context.db, use);
  use.id = db::UsesRepository(context.db).create(use);
  Json created = one_json(context.db, existing(context.db, use.id));
  record_change(context, who, "create", "use", use.id, std::nullopt, created);
  tx.commit();
  refresh_live(context);
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "use");
  Query query(request);
  const bool adjust = query.flag("adjust_hours").value_or(false);
  query.finish();
  Body body(request);
  db::Transaction tx(context.db);
  const db::Use before = existing(context.db, id);
  db::Use after = before;
  read_fields(context.db, body, after, false, context.now());
  body.finish();
  refuse_second_open_use(context.db, after);
  // last_seen stays within the use: not before its start, not before its end.
  if (after.last_seen < after.start) after.last_seen = after.start;
  if (after.end && after.last_seen < *after.end) after.last_seen = *after.end;
  db::UsesRepository(context.db).update(after, adjust);
  Json after_json = one_json(context.db, existing(context.db, id));
  Json before_json = one_json(context.db, before);
  if (adjust) after_json["machine_hours_adjusted"] = true;
  record_change(context, who, "update", "use", id, before_json, after_json);
  tx.commit();
  refresh_live(context);
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "use");
  Query query(request);
  const bool adjust = query.flag("adjust_hours").value_or(false);
  query.finish();
  db::Transaction tx(context.db);
  Json before = one_json(context.db, existing(context.db, id));
  db::UsesRepository(context.db).remove(id, adjust);
  before["machine_hours_adjusted"] = adjust;
  record_change(context, who, "delete", "use", id, before, std::nullopt);
  tx.commit();
  refresh_live(context);
  return Response::no_content();
}

}  // namespace

Json use_json(const db::Use& use, Names& names) {
  // An open use has lasted until its last sign of life so far.
  const double until = use.end.value_or(use.last_seen);
  return Json{{"id", use.id},
              {"member_id", use.user_id},
              {"member_name", names.member(use.user_id)},
              {"machine_id", use.machine_id},
              {"machine_name", names.machine(use.machine_id)},
              {"start", use.start},
              {"end", or_null(use.end)},
              {"last_seen", use.last_seen},
              {"open", use.open()},
              {"duration_s", until > use.start ? until - use.start : 0.0},
              {"replay", use.replay},
              {"end_estimated", use.end_estimated}};
}

void add_use_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/uses";
  auto& l = routes.emplace_back(route(Method::get, base, "uses",
                                      "Usage history (newest first), paged through all of it",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"member_id", "integer", "only this member's uses", {}},
             {"machine_id", "integer", "only this machine's uses (its history page)", {}},
             {"from", "number", "start >= from (unix seconds)", {}},
             {"before", "number", "start < before (unix seconds)", {}},
             {"open", "boolean", "true: only uses still open", {}}};
  for (auto& p : list_params(sort_names(kSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "UsePage";
  auto& c1 = routes.emplace_back(
      route(Method::post, base, "uses",
            "Register a use by hand (a closed one adds its duration to the machine's hours)",
            [&c](auto& r, auto& w) { return create(c, r, w); }));
  c1.request_schema = "UseCreate";
  c1.response_schema = "Use";
  c1.success_status = 201;
  routes
      .emplace_back(route(Method::get, base + "/{id}", "uses", "Get a use",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Use";
  auto& u =
      routes.emplace_back(route(Method::patch, base + "/{id}", "uses", "Change the fields given",
                                [&c](auto& r, auto& w) { return update(c, r, w); }));
  u.query = {{"adjust_hours",
              "boolean",
              "true: the machine's hours follow the change of the closed duration",
              {}}};
  u.request_schema = "UsePatch";
  u.response_schema = "Use";
  auto& d = routes.emplace_back(route(Method::delete_, base + "/{id}", "uses", "Delete a use",
                                      [&c](auto& r, auto& w) { return remove(c, r, w); }));
  d.query = {{"adjust_hours",
              "boolean",
              "true: a closed use's duration is taken off the machine's hours",
              {}}};
  d.success_status = 204;
}

db::UseFilter read_use_filter(Query& query) {
  db::UseFilter filter;
  filter.user_id = query.id("member_id");
  filter.machine_id = query.id("machine_id");
  filter.from = query.time("from");
  filter.before = query.time("before");
  filter.open_only = query.flag("open").value_or(false);
  return filter;
}

}  // namespace fabomatic::web::api
