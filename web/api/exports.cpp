// GET /api/v1/<list>/export: the lists of the portal as CSV or xlsx, with the filters of their
// pages (web/api/export_tables.cpp says what each holds).
#include "web/api/downloads.hpp"
#include "web/api/export_tables.hpp"
#include "web/api/maintenance.hpp"
#include "web/api/routes.hpp"
#include "web/api/uses.hpp"

namespace fabomatic::web::api {

namespace {

using exports::Format;

struct Options {
  Format format = Format::csv;
  ExportLang lang = ExportLang::en;
};

Options read_options(Query& query) {
  Options options;
  options.format = read_format(query);
  if (const auto raw = query.text("lang", 5)) {
    if (const auto lang = parse_export_lang(*raw)) {
      options.lang = *lang;
    } else {
      query.error("lang", field_error::choice({"en", "it"}));
    }
  }
  return options;
}

template <class Write>
Response start(ApiContext& context, std::string_view what, const Options& options, Write write) {
  auto& worker = download_worker(context);
  auto stream = worker.tables(
      options.format,
      [write = std::move(write), lang = options.lang](
          db::Connection& db, exports::TableWriter& out) { write(db, out, lang); },
      options.lang == ExportLang::it ? exports::CsvStyle::italian() : exports::CsvStyle{});
  return download_response(std::move(stream), media_type_of(options.format),
                           download_name(context, what, extension_of(options.format)));
}

Response members(ApiContext& context, const Request& request) {
  Query query(request);
  db::UserFilter filter;
  filter.role_id = query.id("role_id");
  filter.disabled = query.flag("disabled");
  filter.search = query.text("q");
  filter.include_deleted = query.flag("include_deleted").value_or(false);
  filter.sort = db::UserSort::Name;
  const Options options = read_options(query);
  query.finish();
  return start(context, "members", options,
               [filter](db::Connection& db, exports::TableWriter& out, ExportLang lang) {
                 write_members(db, out, filter, lang);
               });
}

Response authorizations(ApiContext& context, const Request& request) {
  Query query(request);
  db::AuthorizationFilter filter;
  filter.user_id = query.id("member_id");
  filter.machine_id = query.id("machine_id");
  const Options options = read_options(query);
  query.finish();
  return start(context, "authorizations", options,
               [filter](db::Connection& db, exports::TableWriter& out, ExportLang lang) {
                 write_authorizations(db, out, filter, lang);
               });
}

Response uses(ApiContext& context, const Request& request) {
  Query query(request);
  const db::UseFilter filter = read_use_filter(query);
  const Options options = read_options(query);
  query.finish();
  const std::string what =
      filter.machine_id ? "uses-machine-" + std::to_string(*filter.machine_id) : "uses";
  return start(context, what, options,
               [filter](db::Connection& db, exports::TableWriter& out, ExportLang lang) {
                 write_uses(db, out, filter, lang);
               });
}

Response interventions(ApiContext& context, const Request& request) {
  Query query(request);
  const db::InterventionFilter filter = read_intervention_filter(query);
  const Options options = read_options(query);
  query.finish();
  return start(context, "interventions", options,
               [filter](db::Connection& db, exports::TableWriter& out, ExportLang lang) {
                 write_interventions(db, out, filter, lang);
               });
}

Response plans(ApiContext& context, const Request& request) {
  Query query(request);
  db::MaintenanceFilter filter;
  filter.machine_id = query.id("machine_id");
  const Options options = read_options(query);
  query.finish();
  return start(context, "maintenance-plans", options,
               [filter](db::Connection& db, exports::TableWriter& out, ExportLang lang) {
                 write_plans(db, out, filter, lang);
               });
}

std::vector<ParamDoc> with_options(std::vector<ParamDoc> filters) {
  filters.push_back({"format", "string", "file format (default csv)", {"csv", "xlsx"}});
  filters.push_back(
      {"lang", "string", "language of the column headings (default en)", {"en", "it"}});
  return filters;
}

}  // namespace

void add_export_routes(RouteTable& routes, ApiContext& c) {
  const auto add = [&](std::string path, std::string tag, std::string summary,
                       std::vector<ParamDoc> filters,
                       Response (*handler)(ApiContext&, const Request&)) {
    auto& entry = routes.emplace_back(
        route(Method::get, std::move(path), std::move(tag), std::move(summary),
              [&c, handler](const Request& r, const Principal&) { return handler(c, r); }));
    entry.query = with_options(std::move(filters));
    entry.response_type = "application/octet-stream";
  };
  add("/api/v1/members/export", "members",
      "The members as CSV or xlsx (filters as the list's; never a password hash)",
      {{"role_id", "integer", "only this role's members", {}},
       {"disabled", "boolean", "only disabled (true) or enabled (false) members", {}},
       {"q", "string", "text in name, surname, e-mail or card", {}},
       {"include_deleted", "boolean", "true: deleted members too", {}}},
      members);
  add("/api/v1/authorizations/export", "authorizations",
      "The authorizations as CSV or xlsx (filters as the list's)",
      {{"member_id", "integer", "only this member's", {}},
       {"machine_id", "integer", "only this machine's", {}}},
      authorizations);
  add("/api/v1/uses/export", "uses",
      "The usage history as CSV or xlsx, streamed (filters as the list's; local times, hours)",
      {{"member_id", "integer", "only this member's uses", {}},
       {"machine_id", "integer", "only this machine's uses (its history)", {}},
       {"from", "number", "start >= from (unix seconds)", {}},
       {"before", "number", "start < before (unix seconds)", {}},
       {"open", "boolean", "true: only uses still open", {}}},
      uses);
  add("/api/v1/interventions/export", "maintenance",
      "The interventions as CSV or xlsx (filters as the list's)",
      {{"machine_id", "integer", "only this machine's", {}},
       {"plan_id", "integer", "only this plan's", {}},
       {"member_id", "integer", "only this member's", {}},
       {"from", "number", "time >= from (unix seconds)", {}},
       {"before", "number", "time < before (unix seconds)", {}}},
      interventions);
  add("/api/v1/maintenance-plans/export", "maintenance",
      "The maintenance plans with their state as CSV or xlsx",
      {{"machine_id", "integer", "only this machine's plans", {}}}, plans);
}

}  // namespace fabomatic::web::api
