// /api/v1/board-accounts: the MQTT account of each machine's board — create (the secret is in
// the answer, once), rotate the secret, revoke, list with who is connected; and /api/v1/mqtt:
// whether the broker lets anonymous clients in (with what to do while it is the legacy mode)
// and the client ids that several boards share. The secret appears in no log and in no audit
// entry.
#include "web/api/board_accounts.hpp"

#include "backend/mqtt_security.hpp"
#include "db/machines_repository.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

backend::MqttSecurity& security(ApiContext& context) {
  if (context.mqtt_security == nullptr) {
    throw ApiError(503, "unavailable", "board accounts are not available");
  }
  return *context.mqtt_security;
}

Json account_json(const db::BoardAccount& account, const std::string& machine_name, bool connected,
                  const std::string& remote_address) {
  return Json{{"machine_id", account.machine_id},
              {"machine_name", machine_name},
              {"username", account.username},
              {"created", account.created},
              {"rotated", account.rotated},
              {"connected", connected},
              {"remote_address", remote_address.empty() ? Json(nullptr) : Json(remote_address)}};
}

std::string machine_name(ApiContext& context, db::Id machine_id) {
  const auto machine = db::MachinesRepository(context.db).get(machine_id);
  return machine ? machine->name : std::string();
}

// What the answer with a fresh secret says: the secret once, and where it goes.
Response secret_response(ApiContext& context, int status, const backend::IssuedSecret& issued) {
  const Json account =
      account_json(issued.account, machine_name(context, issued.account.machine_id), false, "");
  Response response = json_response(
      status,
      Json{{"account", account},
           {"username", issued.account.username},
           {"secret", issued.secret},
           {"instructions",
            "Type the user name and the secret into the board's configuration portal (MQTT user "
            "and MQTT password). The secret is shown this once; case and dashes do not matter."}});
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  query.finish();
  auto& mqtt = security(context);
  Json items = Json::array();
  for (const auto& view : mqtt.accounts()) {
    items.push_back(
        account_json(view.account, view.machine_name, view.connected, view.remote_address));
  }
  return json_response(
      200, Json{{"items", std::move(items)}, {"anonymous", backend::to_string(mqtt.mode())}});
}

Response create(ApiContext& context, const Request& request, const Principal& who) {
  auto& mqtt = security(context);
  Body body(request);
  body.require("machine_id");
  const auto machine_id = body.id("machine_id");
  body.finish();
  db::Transaction tx(context.db);
  if (!db::MachinesRepository(context.db).get(*machine_id)) {
    throw ApiError::invalid(
        {{"machine_id", field_error::unknown_reference("machine", "no such machine")}});
  }
  if (db::BoardAccountsRepository(context.db).by_machine(*machine_id)) {
    throw ApiError::conflict("machine_id",
                             field_error::taken("this machine's board has an account already: "
                                                "rotate its secret or revoke it"));
  }
  const auto issued = mqtt.create(*machine_id);
  const Json after = account_json(issued.account, machine_name(context, *machine_id), false, "");
  record_change(context, who, "create", "board_account", *machine_id, std::nullopt, after);
  tx.commit();
  return secret_response(context, 201, issued);
}

Response rotate(ApiContext& context, const Request& request, const Principal& who) {
  auto& mqtt = security(context);
  const db::Id machine_id = path_id(request, "board account");
  db::Transaction tx(context.db);
  const auto before = db::BoardAccountsRepository(context.db).by_machine(machine_id);
  if (!before) throw ApiError::not_found("board account of machine", machine_id);
  const auto issued = mqtt.rotate(machine_id);
  if (!issued) throw ApiError::not_found("board account of machine", machine_id);
  const std::string name = machine_name(context, machine_id);
  record_change(context, who, "rotate_secret", "board_account", machine_id,
                account_json(*before, name, false, ""),
                account_json(issued->account, name, false, ""));
  tx.commit();
  return secret_response(context, 200, *issued);
}

Response revoke(ApiContext& context, const Request& request, const Principal& who) {
  auto& mqtt = security(context);
  const db::Id machine_id = path_id(request, "board account");
  db::Transaction tx(context.db);
  const auto before = db::BoardAccountsRepository(context.db).by_machine(machine_id);
  if (!before || !mqtt.revoke(machine_id)) {
    throw ApiError::not_found("board account of machine", machine_id);
  }
  record_change(context, who, "delete", "board_account", machine_id,
                account_json(*before, machine_name(context, machine_id), false, ""), std::nullopt);
  tx.commit();
  return Response::no_content();
}

Json ids(const std::vector<db::Id>& values) {
  Json out = Json::array();
  for (const auto id : values)
    out.push_back(id);
  return out;
}

Response status(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  query.finish();
  const auto s = security(context).status();
  Json warning = nullptr;
  Json steps = Json::array();
  if (s.mode == backend::AnonymousMode::legacy) {
    warning =
        "The broker lets boards in without an account (the settings file predates accounts). "
        "They may only speak for existing machines, but anyone on the lab's network can still "
        "read their replies and speak for any machine.";
    steps = Json::array(
        {"Create a board account for each machine (Board accounts, or `fabomatic board-account "
         "create <machine id>` on the appliance).",
         "Type each account's user name and secret into its board's configuration portal (MQTT "
         "user and MQTT password); the board reconnects with them.",
         "When no machine is listed as connected without an account any more, set "
         "allow_anonymous = false in [MQTT] of settings.toml and restart fabomatic."});
  } else if (s.mode == backend::AnonymousMode::allowed) {
    warning =
        "allow_anonymous = true: any client on the network may connect, with the rights of the "
        "ACL file's anonymous rules (or every right without one).";
  }
  return json_response(200, Json{{"anonymous", backend::to_string(s.mode)},
                                 {"warning", warning},
                                 {"steps", steps},
                                 {"clients", s.clients},
                                 {"anonymous_clients", s.anonymous_clients},
                                 {"machines", s.machines},
                                 {"board_accounts", s.board_accounts},
                                 {"machines_without_account", ids(s.machines_without_account)},
                                 {"anonymous_boards", ids(s.anonymous_boards)}});
}

std::string shared_summary(const backend::SharedClientIdView& view) {
  std::string text;
  if (view.machines.empty()) {
    text = std::to_string(view.holders.size()) + " clients";
  } else {
    text = view.machines.size() == 1 ? "machine " : "machines ";
    for (std::size_t i = 0; i < view.machines.size(); ++i) {
      if (i > 0) text += i + 1 == view.machines.size() ? " and " : ", ";
      text += std::to_string(view.machines[i]);
    }
    const std::size_t unknown = view.holders.size() - view.machines.size();
    if (unknown > 0 && view.holders.size() > view.machines.size()) {
      text += " and " + std::to_string(unknown) + " other client" + (unknown > 1 ? "s" : "");
    }
  }
  return text + " share client id " + view.client_id;
}

Response shared_ids(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  query.finish();
  Json items = Json::array();
  for (const auto& view : security(context).shared_client_ids()) {
    Json holders = Json::array();
    for (const auto& holder : view.holders) {
      holders.push_back(
          Json{{"remote_address", holder.remote_address},
               {"account", holder.account.empty() ? Json(nullptr) : Json(holder.account)},
               {"machine_id", or_null(holder.machine_id)}});
    }
    items.push_back(Json{{"client_id", view.client_id},
                         {"machines", ids(view.machines)},
                         {"holders", std::move(holders)},
                         {"summary", shared_summary(view)}});
  }
  return json_response(200, Json{{"items", std::move(items)}});
}

}  // namespace

void add_board_account_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/board-accounts";
  routes
      .emplace_back(route(Method::get, base, "board accounts",
                          "The machines' board accounts, with the client logged in with each",
                          [&c](auto& r, auto& w) { return list(c, r, w); }))
      .response_schema = "BoardAccountList";
  auto& create_route = routes.emplace_back(
      route(Method::post, base, "board accounts",
            "Create the board account of a machine; the answer holds its secret, this once",
            [&c](auto& r, auto& w) { return create(c, r, w); }));
  create_route.request_schema = "BoardAccountCreate";
  create_route.response_schema = "BoardAccountSecret";
  create_route.success_status = 201;
  routes
      .emplace_back(route(Method::post, base + "/{id}/rotate", "board accounts",
                          "A new secret for the board account of machine {id} (shown this once); "
                          "the old one stops working and its board is disconnected",
                          [&c](auto& r, auto& w) { return rotate(c, r, w); }))
      .response_schema = "BoardAccountSecret";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "board accounts",
                          "Revoke the board account of machine {id}; its board is disconnected",
                          [&c](auto& r, auto& w) { return revoke(c, r, w); }))
      .success_status = 204;
  routes
      .emplace_back(route(Method::get, "/api/v1/mqtt/status", "board accounts",
                          "Whether the broker lets clients in without an account, with what is "
                          "left to do in the legacy mode",
                          [&c](auto& r, auto& w) { return status(c, r, w); }))
      .response_schema = "MqttAccessStatus";
  routes
      .emplace_back(route(Method::get, "/api/v1/mqtt/shared-client-ids", "board accounts",
                          "Client ids that several connected clients use at once (two boards "
                          "that named themselves alike), with the machines they speak for",
                          [&c](auto& r, auto& w) { return shared_ids(c, r, w); }))
      .response_schema = "SharedClientIdList";
}

void add_board_account_schemas(Json& s) {
  const auto type = [](std::string_view name, std::string_view description = "") {
    Json t{{"type", name}};
    if (!description.empty()) t["description"] = description;
    return t;
  };
  const auto answer = [](Json properties) {
    std::vector<std::string> all;
    for (const auto& [name, value] : properties.items())
      all.push_back(name);
    return Json{{"type", "object"}, {"properties", std::move(properties)}, {"required", all}};
  };
  const auto ref = [](std::string_view name) {
    return Json{{"$ref", "#/components/schemas/" + std::string(name)}};
  };
  const auto array_of = [](Json items) { return Json{{"type", "array"}, {"items", items}}; };
  const auto nullable = [](Json t) {
    t["nullable"] = true;
    return t;
  };
  const Json mode{{"type", "string"},
                  {"enum", {"legacy", "refused", "allowed"}},
                  {"description",
                   "refused: every client needs an account; allowed: anyone may connect; legacy: "
                   "anonymous clients may only speak for existing machines (old settings file)"}};
  s["BoardAccount"] =
      answer(Json{{"machine_id", type("integer")},
                  {"machine_name", type("string")},
                  {"username", type("string", "the board's MQTT user name (board-<machine id>)")},
                  {"created", type("number", "unix seconds")},
                  {"rotated", type("number", "unix seconds: when the current secret was issued")},
                  {"connected", type("boolean", "a client is logged in with this account now")},
                  {"remote_address", nullable(type("string", "that client's address:port"))}});
  s["BoardAccountList"] =
      answer(Json{{"items", array_of(ref("BoardAccount"))}, {"anonymous", mode}});
  s["BoardAccountCreate"] = Json{{"type", "object"},
                                 {"properties", {{"machine_id", type("integer")}}},
                                 {"required", {"machine_id"}},
                                 {"additionalProperties", false}};
  s["BoardAccountSecret"] =
      answer(Json{{"account", ref("BoardAccount")},
                  {"username", type("string")},
                  {"secret", type("string", "shown this once: 25 characters in groups of five")},
                  {"instructions", type("string")}});
  s["MqttAccessStatus"] = answer(
      Json{{"anonymous", mode},
           {"warning", nullable(type("string", "what to show while anonymous clients are let in"))},
           {"steps", array_of(type("string"))},
           {"clients", type("integer", "connected clients")},
           {"anonymous_clients", type("integer", "of them, without an account")},
           {"machines", type("integer")},
           {"board_accounts", type("integer")},
           {"machines_without_account", array_of(type("integer"))},
           {"anonymous_boards",
            array_of(type("integer", "machines whose board is connected without an account"))}});
  s["SharedClientId"] = answer(
      Json{{"client_id", type("string")},
           {"machines", array_of(type("integer"))},
           {"holders", array_of(answer(Json{{"remote_address", type("string")},
                                            {"account", nullable(type("string"))},
                                            {"machine_id", nullable(type("integer"))}}))},
           {"summary", type("string", "e.g. \"machines 3 and 7 share client id BOARD417\"")}});
  s["SharedClientIdList"] = answer(Json{{"items", array_of(ref("SharedClientId"))}});
}

}  // namespace fabomatic::web::api
