// The schemas of the operations routes (system.cpp, settings_routes.cpp, mail_routes.cpp), in
// the same style as openapi.cpp's: answers list every property as required.
#include "web/api/openapi.hpp"
#include "web/api/openapi_schema.hpp"

namespace fabomatic::web::api {

using namespace schema;

void add_operations_schemas(Json& s) {
  s["BrokerFigures"] = answer(Json{{"clients_connected", integer()},
                                   {"sessions", integer()},
                                   {"subscriptions", integer()},
                                   {"retained", integer()},
                                   {"messages_received", integer("since start")},
                                   {"messages_sent", integer("since start")},
                                   {"messages_dropped", integer("since start")},
                                   {"received_per_s", number("over the last seconds")},
                                   {"sent_per_s", number("over the last seconds")}});
  s["FleetBoard"] = answer(Json{
      {"id", integer()},
      {"machine_id", integer()},
      {"machine_name", string()},
      {"serial", nullable(string())},
      {"fw_version", string()},
      {"ip_address", string()},
      {"heap", nullable(integer("free heap, bytes"))},
      {"last_seen", number("unix seconds")},
      {"online", boolean("heard within the online window")},
      {"mqtt_connected", boolean("a broker client is connected from its address now")},
      {"mqtt_client_id", nullable(string())},
      {"mqtt_account", nullable(string("the MQTT user name it connected with; \"\" for none"))},
      {"mqtt_connected_at", nullable(number())}});
  s["SystemOverview"] =
      answer(Json{{"version", string()},
                  {"time", number("unix seconds now")},
                  {"started_at", number()},
                  {"uptime_s", number()},
                  {"host", answer(Json{{"name", string()},
                                       {"os", string()},
                                       {"kernel", string()},
                                       {"architecture", string()},
                                       {"cpu_model", string()},
                                       {"cpus", integer()},
                                       {"load", array_of(number())},
                                       {"memory_total", integer("bytes")},
                                       {"memory_available", integer("bytes")},
                                       {"disk_total", integer("bytes, where the database is")},
                                       {"disk_free", integer("bytes")},
                                       {"process_rss", integer("bytes")}})},
                  {"database", answer(Json{{"path", string()},
                                           {"size", integer("bytes, with its write-ahead log")},
                                           {"members", integer()},
                                           {"machines", integer()},
                                           {"uses", integer()}})},
                  {"broker", schema_ref("BrokerFigures")},
                  {"boards", array_of(schema_ref("FleetBoard"))},
                  {"purge", nullable(answer(Json{{"time", number()},
                                                 {"uses", integer("anonymised")},
                                                 {"interventions", integer("anonymised")},
                                                 {"unknown_cards", integer("deleted")},
                                                 {"audit_entries", integer("deleted")}}))},
                  {"backup", answer(Json{{"folder", string("\"\": no nightly backup")},
                                         {"keep", integer()},
                                         {"hour", integer()},
                                         {"last_time", nullable(number())},
                                         {"last_file", string()},
                                         {"last_error", string()}})}});
  s["RestoreResult"] = answer(Json{{"code", string()},
                                   {"message", string()},
                                   {"kept_as", string("where the replaced database was kept")}});
  s["LogLine"] = answer(Json{{"seq", integer()},
                             {"time", number()},
                             {"level", string()},
                             {"component", string()},
                             {"message", string()}});
  s["LogLines"] = answer(Json{{"items", array_of(schema_ref("LogLine"))},
                              {"last_seq", integer("pass as ?after= to get only newer lines")}});
  s["SettingField"] =
      answer(Json{{"name", string("<section>.<key>")},
                  {"section", string()},
                  {"key", string()},
                  {"kind", Json{{"type", "string"},
                                {"enum", {"string", "integer", "boolean", "choice", "secret"}}}},
                  {"value", nullable(Json{{"description", "null for a secret"}})},
                  {"is_set", boolean("a secret: one is stored; others: the file sets the key")},
                  {"restart", boolean("true: takes effect after a restart")},
                  {"min", nullable(integer())},
                  {"max", nullable(integer())},
                  {"choices", array_of(string())}});
  s["SettingsView"] = answer(Json{{"file", string()},
                                  {"writable", boolean()},
                                  {"not_writable_reason", string()},
                                  {"restart_pending", boolean()},
                                  {"fields", array_of(schema_ref("SettingField"))}});
  s["SettingsChange"] = Json{
      {"type", "object"},
      {"description", "\"<section>.<key>\": new value, for the keys GET /api/v1/settings lists"},
      {"properties", Json::object()},
      {"additionalProperties", Json{{"oneOf", Json::array({string(), integer(), boolean()})}}}};
  s["SettingsSaved"] = answer(Json{{"applied", array_of(string("in effect now"))},
                                   {"after_restart", array_of(string("after a restart"))},
                                   {"backup", string("the previous file, kept")},
                                   {"restart_pending", boolean()}});
  s["TestMail"] = object(Json{{"to", string()}}, {"to"});
  s["TestMailResult"] =
      answer(Json{{"ok", boolean()}, {"server_answer", string("the SMTP server's last reply")}});
  s["WeeklySummary"] = answer(Json{{"subject", string()},
                                   {"text", string()},
                                   {"recipients", array_of(string())},
                                   {"schedule", answer(Json{{"enabled", boolean()},
                                                            {"language", string()},
                                                            {"day", string()},
                                                            {"hour", integer()},
                                                            {"next", nullable(number())},
                                                            {"last_sent", nullable(number())}})}});
  s["WeeklySummarySend"] =
      object(Json{{"lang", Json{{"type", "string"}, {"enum", {"en", "it"}}}}}, {});
  s["WeeklySummarySent"] = answer(Json{{"mails", integer()}, {"language", string()}});
}

}  // namespace fabomatic::web::api
