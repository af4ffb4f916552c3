// /api/v1/live/status (the dashboard's snapshot of the live status model, in the shape of
// web/live_json.hpp that the WebSocket shares) and remote start/stop of a machine
// (POST /api/v1/machines/{id}/start|stop: 202 once the request went to the board; the outcome
// is logged and reaches the portal through the live WebSocket).
#include "backend/remote_control.hpp"
#include "common/log.hpp"
#include "db/machines_repository.hpp"
#include "web/api/routes.hpp"
#include "web/live/status_json.hpp"

namespace fabomatic::web::api {

namespace {

Response snapshot(ApiContext& context, const Request&, const Principal&) {
  const double now = context.now();
  Json machines = Json::array();
  for (const auto& status : context.live.snapshot())
    machines.push_back(machine_status_json(status));
  return json_response(200, Json{{"time", now}, {"machines", std::move(machines)}});
}

Response remote(ApiContext& context, const Request& request, const Principal& who,
                backend::RemoteRequest type) {
  const db::Id id = path_id(request, "machine");
  const auto machine = db::MachinesRepository(context.db).get(id);
  if (!machine) throw ApiError::not_found("machine", id);
  if (context.remote == nullptr) {
    throw ApiError(503, "unavailable", "remote control is not available");
  }
  const std::string_view verb = type == backend::RemoteRequest::start ? "start" : "stop";
  const auto refusal = context.remote->request(
      id, type, who.user_id, [id, verb = std::string(verb)](const backend::RemoteOutcome& outcome) {
        log::info("remote",
                  "portal " + verb + " of machine " + std::to_string(id) + ": " + outcome.message);
      });
  if (refusal) throw ApiError::refused(refusal->code, refusal->message);
  // The name too, so that the audit log says which machine without another lookup.
  record_change(context, who, std::string(verb), "machine", id, std::nullopt,
                Json{{"request", verb}, {"name", machine->name}});
  return json_response(202, Json{{"machine_id", id}, {"request", verb}, {"status", "sent"}});
}

}  // namespace

void add_live_routes(RouteTable& routes, ApiContext& c) {
  routes
      .emplace_back(route(Method::get, "/api/v1/live/status", "live",
                          "Snapshot of every machine's live status (then follow the WebSocket)",
                          [&c](auto& r, auto& w) { return snapshot(c, r, w); }))
      .response_schema = "LiveSnapshot";
  auto& start = routes.emplace_back(
      route(Method::post, "/api/v1/machines/{id}/start", "live",
            "Ask the machine's board to log in the signed-in admin's card; 202 when sent, 409 with "
            "the reason when refused (no_card: the admin has none)",
            [&c](auto& r, auto& w) { return remote(c, r, w, backend::RemoteRequest::start); }));
  start.response_schema = "RemoteAccepted";
  start.success_status = 202;
  auto& stop = routes.emplace_back(route(
      Method::post, "/api/v1/machines/{id}/stop", "live",
      "Ask the machine's board to end the current use (the admin needs no card); 202 when sent, "
      "409 with the reason when refused",
      [&c](auto& r, auto& w) { return remote(c, r, w, backend::RemoteRequest::stop); }));
  stop.response_schema = "RemoteAccepted";
  stop.success_status = 202;
}

}  // namespace fabomatic::web::api
