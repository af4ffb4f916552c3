// The settings editor: GET /api/v1/settings (the file's values by section, secrets left out,
// whether each takes effect at once or after a restart) and PATCH (the changed values, checked
// by the code that reads the file at start; the previous file kept).
#include <map>

#include "web/api/operations.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

SettingsStore& store(ApiContext& context) {
  if (context.settings == nullptr) {
    throw ApiError(503, "unavailable", "the settings editor is not available in this set-up");
  }
  return *context.settings;
}

std::string name_of(const SettingField& f) {
  return f.section + "." + f.key;
}

Json field_json(const SettingField& f) {
  Json choices = Json::array();
  for (const auto& c : f.choices)
    choices.push_back(c);
  return Json{{"name", name_of(f)},    {"section", f.section},
              {"key", f.key},          {"kind", f.kind},
              {"value", f.value},      {"is_set", f.is_set},
              {"restart", f.restart},  {"min", or_null(f.min)},
              {"max", or_null(f.max)}, {"choices", std::move(choices)}};
}

Response view(ApiContext& context) {
  const SettingsView v = store(context).view();
  Json fields = Json::array();
  for (const auto& f : v.fields)
    fields.push_back(field_json(f));
  return json_response(200, Json{{"file", v.file},
                                 {"writable", v.writable},
                                 {"not_writable_reason", v.not_writable_reason},
                                 {"restart_pending", v.restart_pending},
                                 {"fields", std::move(fields)}});
}

Response change(ApiContext& context, const Request& request, const Principal& who) {
  auto& settings = store(context);
  Body body(request);
  const SettingsView current = settings.view();
  std::map<std::string, Json> values;
  Json before = Json::object();
  Json after = Json::object();
  for (const auto& f : current.fields) {
    const std::string name = name_of(f);
    if (!body.has(name)) continue;
    std::optional<Json> value;
    if (f.kind == "boolean") {
      if (auto v = body.boolean(name)) value = *v;
    } else if (f.kind == "integer") {
      if (auto v = body.integer(name, f.min.value_or(INT64_MIN), f.max.value_or(INT64_MAX))) {
        value = *v;
      }
    } else {
      // Text of any kind, one line (a line break in the sender would add SMTP commands, in a
      // URL or path it breaks what uses it); an empty text clears an optional value.
      if (auto v = body.text(name, {.max_length = 1000, .allow_empty = true, .single_line = true}))
        value = *v;
      if (value && f.kind == "choice" &&
          std::find(f.choices.begin(), f.choices.end(), value->get<std::string>()) ==
              f.choices.end()) {
        body.error(name, field_error::choice(
                             std::vector<std::string_view>(f.choices.begin(), f.choices.end())));
        value.reset();
      }
    }
    if (!value) continue;
    const bool secret = f.kind == "secret";
    before[name] = secret ? Json(f.is_set ? "(set)" : "(not set)") : f.value;
    after[name] =
        secret ? Json(value->get<std::string>().empty() ? "(not set)" : "(changed)") : *value;
    values.emplace(name, std::move(*value));
  }
  body.finish();  // unknown keys and wrong types: 400 naming them, nothing written
  if (values.empty())
    throw ApiError::invalid({{"values", field_error::required("nothing to change")}});
  if (!current.writable) {
    throw ApiError(409, "read_only", current.not_writable_reason);
  }
  const SettingsOutcome outcome = settings.change(values);
  if (!outcome.saved) throw ApiError::invalid(outcome.errors);
  {
    db::Transaction tx(context.db);
    record_change(context, who, "update", "settings", std::nullopt, before, after);
    tx.commit();
  }
  Json applied = Json::array();
  for (const auto& n : outcome.applied)
    applied.push_back(n);
  Json later = Json::array();
  for (const auto& n : outcome.after_restart)
    later.push_back(n);
  return json_response(200, Json{{"applied", std::move(applied)},
                                 {"after_restart", std::move(later)},
                                 {"backup", outcome.backup},
                                 {"restart_pending", settings.view().restart_pending}});
}

}  // namespace

void add_settings_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/settings";
  routes
      .emplace_back(route(Method::get, base, "settings",
                          "The settings file's values by section (secrets never sent), and for "
                          "each whether a change applies at once or after a restart",
                          [&c](const Request&, const Principal&) { return view(c); }))
      .response_schema = "SettingsView";
  auto& p = routes.emplace_back(route(
      Method::patch, base, "settings",
      "Change settings: keys \"<section>.<key>\" as GET lists them. Checked with the code that "
      "reads the file at start; the previous file is kept; nothing is written on any error",
      [&c](const Request& r, const Principal& w) { return change(c, r, w); }));
  p.request_schema = "SettingsChange";
  p.response_schema = "SettingsSaved";
}

}  // namespace fabomatic::web::api
