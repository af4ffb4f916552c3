#include "web/api/openapi.hpp"

#include "db/models.hpp"
#include "web/api/board_accounts.hpp"
#include "web/api/openapi_schema.hpp"

#include <set>

#include "web/auth/field_errors.hpp"

namespace fabomatic::web::api {

namespace {

// ---- schema building blocks (openapi_schema.hpp), and the card field's ---------------------

using namespace schema;

Json card() {
  return Json{{"type", "string"},
              {"nullable", true},
              {"pattern", "^[0-9a-fA-F]{8}$"},
              {"description", "8 hex characters; answered lowercase; null or \"\" clears"}};
}

// Create (with the required fields) and Patch (every field optional) from one field list.
void body_pair(Json& schemas, std::string_view name, const Json& fields,
               std::vector<std::string> required) {
  schemas[std::string(name) + "Create"] = object(fields, std::move(required));
  schemas[std::string(name) + "Patch"] = object(fields);
}

Json member_fields() {
  return Json{{"name", text(100)},
              {"surname", text(100)},
              {"role_id", integer()},
              {"card", card()},
              {"email", nullable(text(254))},
              {"disabled", boolean()},
              {"receive_weekly_summary", boolean()},
              {"password_change_required", boolean()},
              {"password", text(1024, "write-only, at least 8 characters; stored hashed")}};
}

Json plan_fields() {
  return Json{{"machine_id", integer()},
              {"description", text(500)},
              {"hours_between", ranged(number(), 0, 1e6)},
              {"lcd_message", nullable(text(16, "what the board's display shows"))},
              {"instructions_url", nullable(text(500, "http:// or https:// only"))}};
}

Json machine_fields() {
  return Json{{"name", text(100)},
              {"type_id", nullable(integer())},
              {"hours", ranged(number("cumulated hours"), 0, 1e7)},
              {"blocked", boolean()}};
}

Json machine_cascade() {
  return answer(Json{{"boards", integer()},
                     {"plans", integer()},
                     {"interventions", integer()},
                     {"authorizations", integer()},
                     {"uses", integer()},
                     {"unknown_cards", integer()},
                     {"total", integer()}});
}

const char* kDescription =
    "The REST API of the fabomatic admin portal. Conventions: every route needs a session "
    "cookie (sign in at /api/v1/auth/login) except this document; POST, PUT, PATCH and DELETE "
    "also need the session's CSRF token in the X-CSRF-Token header. Bodies are JSON objects: "
    "wrong types, out-of-range values and unknown fields are refused with 400, an English message "
    "per field in error.fields and a stable code per field in error.field_codes (FieldCode: "
    "translate by the code); PATCH changes only the fields it is given. A body must be sent as "
    "the media type its route documents (else 415); a route that documents no body refuses one "
    "(400 unexpected_body), an empty object {} aside. Unknown query parameters, and one given "
    "twice, are refused with 400 (unknown_field). Lists answer {items,total,limit,offset} (limit "
    "1..500, default 50). Times are "
    "unix seconds; card ids are 8 hex characters, answered lowercase. Conflicts (a duplicate "
    "card, name or pair, a reserved role, a row still in use) answer 409 naming the field, with "
    "its code too.";

std::string operation_id(const ApiRoute& route) {
  std::string id(to_string(route.method));
  for (char& c : id)
    c = static_cast<char>(c - 'A' + 'a');
  std::string_view path = route.pattern;
  if (path.starts_with("/api/v1/")) path.remove_prefix(std::string_view("/api/v1").size());
  if (path == "/") return id + "_app";
  for (const char c : path) {
    if (c == '.') continue;  // of "{file...}"
    if (c == '/' || c == '-') {
      id += '_';
    } else if (c != '{' && c != '}') {
      id += c;
    }
  }
  return id;
}

Json error_response_ref(std::string_view description) {
  return Json{{"description", description},
              {"content", {{"application/json", {{"schema", schema_ref("Error")}}}}}};
}

}  // namespace

Json openapi_schemas() {
  Json s = Json::object();
  Json field_codes = Json::array();
  for (const auto code : kFieldCodes)
    field_codes.push_back(code);
  s["FieldCode"] = object(
      Json{{"code",
            Json{{"type", "string"},
                 {"enum", std::move(field_codes)},
                 {"description",
                  "required: missing or empty; type: wrong JSON type (expected); "
                  "too_long: more than max characters or items; too_short: fewer than "
                  "min characters; range: outside min..max; pattern: not of the form "
                  "(format: card, email, url); choice: not one of allowed; "
                  "unknown_field: not a field of this route; unknown_reference: no such "
                  "row (entity; ids); order: before the field named by after; taken: "
                  "a unique value in use; in_use: other rows refer to it (count, entity); "
                  "reserved: a reserved row; self: not on your own account; deleted: "
                  "the row is deleted; open_use: the machine has an open use (use_id); "
                  "wrong_password; same_password; future: a time later than the appliance's "
                  "clock (now); control_characters: a control character, or a tab or "
                  "line break where single_line; unusable: a setting names something the next "
                  "start could not use (problem, subject, detail); invalid: anything else"}}},
           {"expected", string("type: string, integer, number, boolean, array, id or time")},
           {"max", number("too_long, range")},
           {"min", number("too_short, range")},
           {"format", string("pattern: card, email or url")},
           {"allowed", array_of(string())},
           {"entity", string("unknown_reference: member, machine, machine_type, role or plan; "
                             "in_use: what refers to it, member or machine")},
           {"ids", array_of(integer("unknown_reference: the ids that name no row"))},
           {"after", string("order: the field this one must not come before")},
           {"count", integer("in_use: how many rows refer to it")},
           {"use_id", integer("open_use: the open use")},
           {"now", number("future: the appliance's time, unix seconds")},
           {"single_line", boolean("control_characters: the text must be one line")},
           {"problem", string("unusable: no_file, not_a_folder, not_writable, cannot_listen, "
                              "tls_pair or relative_path")},
           {"subject", string("unusable: the path, or the address[:port], it is about")},
           {"detail", string("unusable: the system's reason, in English (may be empty)")}},
      {"code"});
  s["Error"] = answer(Json{
      {"error",
       object(Json{{"status", integer()},
                   {"code", string("invalid, malformed_json, not_found, conflict, "
                                   "unauthenticated, csrf, refused, ...")},
                   {"message", string("English, for people; programs read the codes")},
                   {"reason", string("why a request was refused (409 refused of remote "
                                     "start/stop): unknown_machine, offline, no_card, pending, "
                                     "card_too_long")},
                   {"fields", Json{{"type", "object"},
                                   {"additionalProperties", string()},
                                   {"description", "field name -> English message"}}},
                   {"field_codes",
                    Json{{"type", "object"},
                         {"additionalProperties", schema_ref("FieldCode")},
                         {"description",
                          "field name -> its code and parameters; present whenever fields is, "
                          "with the same names"}}}},
              {"status", "code", "message"}, false)}});

  s["Member"] = answer(Json{{"id", integer()},
                            {"name", string()},
                            {"surname", string()},
                            {"role_id", integer()},
                            {"role_name", string()},
                            {"card", nullable(string())},
                            {"email", nullable(string())},
                            {"disabled", boolean()},
                            {"deleted", boolean()},
                            {"receive_weekly_summary", boolean()},
                            {"password_change_required", boolean()},
                            {"has_password", boolean()},
                            {"reserved", boolean("the Anonymous member (holder of purged "
                                                 "history): cannot be edited or deleted")}});
  body_pair(s, "Member", member_fields(), {"name", "role_id"});
  Json convert = member_fields();
  convert.erase("card");
  convert["authorize_machine"] = boolean(
      "also authorize the new member on the machine where the card was tapped (default "
      "false; ignored when that machine is gone)");
  s["MemberConvert"] = object(convert, {"name", "role_id"});
  s["MemberPage"] = page_of("Member");
  s["MemberCascade"] =
      answer(Json{{"uses", integer("uses that stay in the history, under the member's name")},
                  {"authorizations", integer("authorizations that stay (and no longer open a "
                                             "machine once the card is freed)")},
                  {"interventions", integer("maintenance interventions that stay")},
                  {"card", nullable(string("the card that deleting frees"))}});

  s["UnknownCard"] = answer(Json{{"id", integer()},
                                 {"card", string()},
                                 {"timestamp", time()},
                                 {"machine_id", integer()},
                                 {"machine_name", string()}});
  s["UnknownCardPage"] = page_of("UnknownCard");
  s["UnknownCardConverted"] = answer(Json{
      {"member", schema_ref("Member")},
      {"removed_taps", integer()},
      // $ref allows no siblings: allOf carries the "nullable".
      {"authorization", nullable(Json{{"allOf", Json::array({schema_ref("Authorization")})}})}});

  s["Role"] = answer(Json{{"id", integer()},
                          {"name", string()},
                          {"backend_admin", boolean("may sign in to the portal")},
                          {"maintenance", boolean("may register maintenance at a board")},
                          {"authorize_all", boolean("authorized on every machine")},
                          {"reserved", boolean("cannot be edited or deleted")},
                          {"member_count", integer()}});
  body_pair(s, "Role",
            Json{{"name", text(100)},
                 {"backend_admin", boolean()},
                 {"maintenance", boolean()},
                 {"authorize_all", boolean()},
                 {"reserved", boolean()}},
            {"name"});
  s["RolePage"] = page_of("Role");

  s["MachineType"] =
      answer(Json{{"id", integer()},
                  {"name", string()},
                  {"timeout_min", integer("auto-logoff minutes, 0 = disabled")},
                  {"grace_period_min", integer("power-off grace, 0 = immediate")},
                  {"access_management", integer("0 = authorization needed, 1 = not needed")},
                  {"machine_count", integer()}});
  body_pair(s, "MachineType",
            Json{{"name", text(100)},
                 {"timeout_min", ranged(integer(), 0, 65535)},
                 {"grace_period_min", ranged(integer(), 0, 65535)},
                 {"access_management", ranged(integer(), 0, 1)}},
            {"name"});
  s["MachineTypePage"] = page_of("MachineType");

  s["Machine"] = answer(
      Json{{"id", integer()},
           {"name", string()},
           {"type_id", nullable(integer())},
           {"type_name", nullable(string())},
           {"hours", number()},
           {"blocked", boolean()},
           {"last_seen", nullable(time())},
           {"maintenance_due", boolean()},
           {"maintenance", array_of(answer(Json{{"plan_id", integer()},
                                                {"description", string()},
                                                {"hours_between", number()},
                                                {"used_hours", number()},
                                                {"since", time("latest intervention, 0 = never")},
                                                {"due", boolean()},
                                                {"lcd_message", string()}}))}});
  Json create_machine = machine_fields();
  create_machine["id"] = integer("optional: the machine id (a discovered board's), 1 to 2^31 - 1");
  create_machine["id"]["minimum"] = 1;
  create_machine["id"]["maximum"] = db::kMaxChosenMachineId;
  s["MachineCreate"] = object(create_machine, {"name"});
  s["MachinePatch"] = object(machine_fields());
  s["MachineCreateForBoard"] = object(machine_fields(), {"name"});
  s["MachinePage"] = page_of("Machine");
  s["MachineName"] = answer(Json{{"id", integer()}, {"name", string()}});
  s["MachineNames"] = array_of(schema_ref("MachineName"));
  s["MachineCascade"] = machine_cascade();
  s["MachineRemoved"] = answer(Json{{"removed", machine_cascade()}});

  s["Board"] = answer(Json{{"id", integer()},
                           {"machine_id", integer()},
                           {"machine_name", string()},
                           {"ip_address", string()},
                           {"fw_version", string()},
                           {"serial", nullable(string())},
                           {"heap", nullable(integer())},
                           {"last_seen", time()},
                           {"online", boolean()}});
  s["BoardPage"] = page_of("Board");
  s["DiscoveredBoard"] = answer(Json{{"machine_id", integer("the machine id it announces")},
                                     {"ip_address", string()},
                                     {"fw_version", string()},
                                     {"serial", nullable(string())},
                                     {"heap", nullable(integer())},
                                     {"first_seen", time()},
                                     {"last_seen", time()}});
  s["DiscoveredBoardPage"] = page_of("DiscoveredBoard");

  s["Authorization"] = answer(Json{{"id", integer()},
                                   {"member_id", integer()},
                                   {"member_name", string()},
                                   {"machine_id", integer()},
                                   {"machine_name", string()}});
  body_pair(s, "Authorization", Json{{"member_id", integer()}, {"machine_id", integer()}},
            {"member_id", "machine_id"});
  s["AuthorizationBulk"] =
      object(Json{{"machine_id", integer()}, {"member_ids", array_of(integer())}},
             {"machine_id", "member_ids"});
  s["AuthorizationBulkResult"] = answer(Json{{"machine_id", integer()},
                                             {"added", integer()},
                                             {"skipped", integer("pairs that existed")},
                                             {"added_member_ids", array_of(integer())},
                                             {"skipped_member_ids", array_of(integer())}});
  s["AuthorizationPage"] = page_of("Authorization");

  s["Plan"] = answer(Json{{"id", integer()},
                          {"machine_id", integer()},
                          {"machine_name", string()},
                          {"description", string()},
                          {"hours_between", number()},
                          {"lcd_message", nullable(string())},
                          {"instructions_url", nullable(string())},
                          {"since", time("latest intervention, 0 = never")},
                          {"used_hours", number("machine hours since then")},
                          {"due", boolean()}});
  body_pair(s, "Plan", plan_fields(), {"machine_id", "description", "hours_between"});
  s["PlanPage"] = page_of("Plan");
  s["PlanCascade"] = answer(Json{{"interventions", integer()}, {"total", integer()}});
  s["PlanRemoved"] = answer(Json{{"removed", schema_ref("PlanCascade")}});

  s["Intervention"] =
      answer(Json{{"id", integer()},
                  {"plan_id", integer()},
                  {"plan_description", string()},
                  {"machine_id", integer()},
                  {"machine_name", string()},
                  {"member_id", integer()},
                  {"member_name", string()},
                  {"timestamp", time()},
                  {"replay", boolean("sent by the board from its offline buffer")}});
  body_pair(s, "Intervention",
            Json{{"plan_id", integer("the machine follows the plan")},
                 {"member_id", integer()},
                 {"timestamp", time("default: now")}},
            {"plan_id", "member_id"});
  s["InterventionPage"] = page_of("Intervention");

  s["Use"] = answer(
      Json{{"id", integer()},
           {"member_id", integer()},
           {"member_name", string()},
           {"machine_id", integer()},
           {"machine_name", string()},
           {"start", time()},
           {"end", nullable(time("null while open"))},
           {"last_seen", time()},
           {"open", boolean()},
           {"duration_s", number("until end, or until last_seen while open")},
           {"replay", boolean("sent by the board from its offline buffer")},
           {"end_estimated", boolean("closed at its last sign of life because its board went "
                                     "silent; the board's replayed stop replaces the end")}});
  body_pair(s, "Use",
            Json{{"member_id", integer()},
                 {"machine_id", integer()},
                 {"start", time()},
                 {"end", nullable(time("null: still open"))}},
            {"member_id", "machine_id", "start"});
  s["UsePage"] = page_of("Use");

  s["MachineStatus"] = answer(Json{
      {"machine_id", integer()},
      {"name", string()},
      {"state",
       Json{{"type", "string"}, {"enum", {"in_use", "blocked", "maintenance", "offline", "free"}}}},
      {"blocked", boolean()},
      {"maintenance_due", boolean()},
      {"online", boolean()},
      {"last_heard", nullable(time())},
      {"member_id", nullable(integer())},
      {"member_name", nullable(string())},
      {"in_use_since", nullable(time())},
      {"board_ip", string()},
      {"board_version", string()},
      {"board_serial", string()},
      {"board_heap", integer()}});
  s["LiveSnapshot"] =
      answer(Json{{"time", time()}, {"machines", array_of(schema_ref("MachineStatus"))}});
  // Sign-in (web/auth/routes.cpp).
  s["LoginRequest"] =
      object(Json{{"email", string()}, {"password", string()}}, {"email", "password"}, false);
  s["Session"] = answer(
      Json{{"signed_in", Json{{"type", "boolean"}, {"enum", Json::array({true})}}},
           {"user", answer(Json{{"id", integer()},
                                {"email", string()},
                                {"name", string()},
                                {"has_card", boolean("a remote start logs this card in; without "
                                                     "one it is refused (no_card)")}})},
           {"csrf_token", string("send it back in X-CSRF-Token on every change")},
           {"password_change_required", boolean("true: only the password change is allowed")}});
  s["SignedOut"] =
      answer(Json{{"signed_in", Json{{"type", "boolean"}, {"enum", Json::array({false})}}}});
  s["SessionState"] =
      Json{{"oneOf", Json::array({schema_ref("Session"), schema_ref("SignedOut")})},
           {"description", "a Session while signed in, else {\"signed_in\": false}"}};
  s["PasswordChange"] =
      object(Json{{"current", string()}, {"new", string("at least 8 characters")}},
             {"current", "new"}, false);
  s["PasswordChanged"] = answer(Json{{"password_change_required", boolean()}});
  s["ForgotRequest"] = object(Json{{"email", string()}}, {"email"}, false);
  s["ResetRequest"] = object(Json{{"token", string("from the mailed link")},
                                  {"password", string("at least 8 characters")}},
                             {"token", "password"}, false);
  s["Message"] = answer(Json{{"message", string()}});
  s["SetupState"] = answer(
      Json{{"pending", boolean("true: no account can sign in yet; the log has a setup code")},
           {"email", nullable(string("the account the code sets up, while pending"))}});
  s["SetupRequest"] = object(Json{{"code", string("the setup code of the log, XXXX-XXXX-XXXX")},
                                  {"password", string("at least 8 characters")}},
                             {"code", "password"}, false);
  s["AuditEntry"] = answer(Json{{"id", integer()},
                                {"time", time()},
                                {"user_id", nullable(integer())},
                                {"user_email", string()},
                                {"address", string("the client's IP address")},
                                {"action", string("login, create, update, delete, ...")},
                                {"entity", string("member, machine, session, ...")},
                                {"entity_id", nullable(integer())},
                                {"before", nullable(Json{{"type", "object"}})},
                                {"after", nullable(Json{{"type", "object"}})}});
  s["AuditPage"] = page_of("AuditEntry");

  // The live WebSocket's messages (/api/v1/live), told apart by "type".
  const auto message = [](std::string_view type, Json fields) {
    fields["type"] = Json{{"type", "string"}, {"enum", {type}}};
    return answer(std::move(fields));
  };
  s["LiveSnapshotMessage"] = message(
      "snapshot", Json{{"time", time()}, {"machines", array_of(schema_ref("MachineStatus"))}});
  s["LiveMachineMessage"] = message("machine", Json{{"machine", schema_ref("MachineStatus")}});
  s["LiveMachineRemovedMessage"] = message("machine_removed", Json{{"machine_id", integer()}});
  s["LiveUnknownCardMessage"] = message(
      "unknown_card", Json{{"machine_id", integer()}, {"card", string()}, {"time", time()}});
  s["LiveBoardDiscoveredMessage"] =
      message("board_discovered", Json{{"machine_id", integer()}, {"time", time()}});
  s["LiveHeartbeatMessage"] = message("heartbeat", Json{{"time", time()}});
  s["LiveRemoteMessage"] = message(
      "remote",
      Json{{"machine_id", integer()},
           {"ok", boolean("what the board's next queries confirmed")},
           {"code", Json{{"type", "string"},
                         {"enum",
                          {"started", "stopped", "no_response", "card_refused", "check_failed",
                           "board_refused"}}}},
           {"message", string("the outcome in English: started, stopped, no response, ...")}});
  Json kinds = Json::array();
  for (const char* name : {"LiveSnapshotMessage", "LiveMachineMessage", "LiveMachineRemovedMessage",
                           "LiveUnknownCardMessage", "LiveBoardDiscoveredMessage",
                           "LiveHeartbeatMessage", "LiveRemoteMessage"})
    kinds.push_back(schema_ref(name));
  s["LiveMessage"] =
      Json{{"oneOf", std::move(kinds)},
           {"discriminator",
            {{"propertyName", "type"},
             {"mapping",
              {{"snapshot", "#/components/schemas/LiveSnapshotMessage"},
               {"machine", "#/components/schemas/LiveMachineMessage"},
               {"machine_removed", "#/components/schemas/LiveMachineRemovedMessage"},
               {"unknown_card", "#/components/schemas/LiveUnknownCardMessage"},
               {"board_discovered", "#/components/schemas/LiveBoardDiscoveredMessage"},
               {"heartbeat", "#/components/schemas/LiveHeartbeatMessage"},
               {"remote", "#/components/schemas/LiveRemoteMessage"}}}}}};
  add_operations_schemas(s);

  s["RemoteAccepted"] =
      answer(Json{{"machine_id", integer()},
                  {"request", Json{{"type", "string"}, {"enum", {"start", "stop"}}}},
                  {"status", string("sent")}});
  add_board_account_schemas(s);  // web/api/board_accounts.cpp
  return s;
}

Json openapi_document(const RouteTable& routes) {
  Json paths = Json::object();
  std::set<std::string> tags;
  for (const auto& route : routes) {
    Json op{{"tags", Json::array({route.tag})},
            {"summary", route.summary},
            {"operationId", operation_id(route)}};
    tags.insert(route.tag);
    Json parameters = Json::array();
    // Path parameters, in the order of the pattern.
    for (std::size_t open = route.pattern.find('{'); open != std::string::npos;
         open = route.pattern.find('{', open + 1)) {
      const auto close = route.pattern.find('}', open);
      std::string name = route.pattern.substr(open + 1, close - open - 1);
      // "{file...}" takes the rest of the path: a string; every other parameter is a row id.
      const bool tail = name.ends_with("...");
      if (tail) name.resize(name.size() - 3);
      parameters.push_back(Json{
          {"name", name},
          {"in", "path"},
          {"required", true},
          {"schema", tail ? Json{{"type", "string"}} : Json{{"type", "integer"}, {"minimum", 1}}}});
    }
    for (const auto& param : route.query) {
      Json schema{{"type", param.type}};
      if (!param.choices.empty()) schema["enum"] = param.choices;
      parameters.push_back(Json{{"name", param.name},
                                {"in", "query"},
                                {"required", false},
                                {"description", param.description},
                                {"schema", std::move(schema)}});
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (!route.request_schema.empty()) {
      op["requestBody"] =
          Json{{"required", true},
               {"content", {{"application/json", {{"schema", schema_ref(route.request_schema)}}}}}};
    } else if (!route.request_type.empty()) {
      op["requestBody"] =
          Json{{"required", true},
               {"content",
                {{route.request_type, {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    }
    Json responses = Json::object();
    Json success{{"description", route.success_status == 204   ? "done, no body"
                                 : route.success_status == 101 ? "switching to the WebSocket "
                                                                 "protocol; each text frame is "
                                                                 "one message of this schema"
                                                               : "success"}};
    if (!route.response_schema.empty()) {
      success["content"] = {{route.response_type, {{"schema", schema_ref(route.response_schema)}}}};
    } else if (route.response_type != "application/json") {
      success["content"] = {{route.response_type, {{"schema", {{"type", "string"}}}}}};
    } else if (route.is_public()) {
      success["content"] = {{"application/json", {{"schema", {{"type", "object"}}}}}};
    }
    responses[std::to_string(route.success_status)] = std::move(success);
    const bool changes = route.method != Method::get && route.method != Method::head;
    const bool takes_body = !route.request_schema.empty() || !route.request_type.empty();
    if (takes_body || !route.query.empty()) {
      responses["400"] = error_response_ref("invalid input: a message and a code per field");
    } else if (changes && !route.is_public()) {
      responses["400"] = error_response_ref("unexpected_body: this route takes no body");
    }
    if (takes_body && !route.is_public()) {
      responses["415"] = error_response_ref(
          "unsupported_media_type: the body is not of the "
          "type this route takes");
    }
    if (!route.is_public()) {
      responses["401"] = error_response_ref("no valid session");
      responses["403"] = error_response_ref(changes ? "missing or wrong CSRF token, or the "
                                                      "password must be changed first"
                                                    : "the password must be changed first");
    }
    if (route.pattern.find('{') != std::string::npos) {
      responses["404"] = error_response_ref("no such row");
    }
    if (changes) responses["409"] = error_response_ref("conflict: names the field, with its code");
    op["responses"] = std::move(responses);
    if (route.is_public()) {
      op["security"] = Json::array();
    } else if (changes) {
      op["security"] = Json::array({Json{{"session", Json::array()}, {"csrf", Json::array()}}});
    }
    std::string method(to_string(route.method));
    for (char& c : method)
      c = static_cast<char>(c - 'A' + 'a');
    std::string path = route.pattern;
    if (const auto tail = path.find("...}"); tail != std::string::npos) path.erase(tail, 3);
    paths[path][method] = std::move(op);
  }
  Json tag_list = Json::array();
  for (const auto& tag : tags)
    tag_list.push_back(Json{{"name", tag}});
  return Json{
      {"openapi", "3.0.3"},
      {"info", {{"title", "fabomatic admin API"}, {"version", "1"}, {"description", kDescription}}},
      {"servers", Json::array({Json{{"url", "/"}}})},
      {"tags", std::move(tag_list)},
      {"security", Json::array({Json{{"session", Json::array()}}})},
      {"paths", std::move(paths)},
      {"components",
       {{"securitySchemes",
         {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "fabomatic_session"}}},
          {"csrf", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-CSRF-Token"}}}}},
        {"schemas", openapi_schemas()}}}};
}

}  // namespace fabomatic::web::api
