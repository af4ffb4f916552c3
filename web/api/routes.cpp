#include "web/api/routes.hpp"

#include <stdexcept>
#include <utility>

#include "web/api/openapi.hpp"
#include "web/auth/csrf.hpp"
#include "web/http/static_assets.hpp"
#include "web/live/hub.hpp"

namespace fabomatic::web::api {

std::vector<ParamDoc> list_params(std::vector<std::string> sort_fields) {
  return {
      {"limit", "integer", "rows per page, 1..500 (default 50)", {}},
      {"offset", "integer", "rows to skip (default 0)", {}},
      {"sort", "string", "field to sort by (default: the first listed)", std::move(sort_fields)},
      {"order", "string", "sort direction", {"asc", "desc"}}};
}

ApiRoute route(Method method, std::string pattern, std::string tag, std::string summary,
               std::function<Response(const Request&, const Principal&)> handler) {
  ApiRoute entry;
  entry.method = method;
  entry.pattern = std::move(pattern);
  entry.tag = std::move(tag);
  entry.summary = std::move(summary);
  entry.handler = [inner = std::move(handler)](const Request& request, const Principal& who) {
    return guarded([&] { return inner(request, who); });
  };
  return entry;
}

RouteTable rest_routes(ApiContext& context) {
  RouteTable routes;
  add_live_routes(routes, context);
  add_member_routes(routes, context);
  add_unknown_card_routes(routes, context);
  add_role_routes(routes, context);
  add_machine_type_routes(routes, context);
  add_machine_routes(routes, context);
  add_board_routes(routes, context);
  add_board_account_routes(routes, context);
  add_authorization_routes(routes, context);
  add_maintenance_routes(routes, context);
  add_use_routes(routes, context);
  add_export_routes(routes, context);
  add_member_action_routes(routes, context);
  add_system_routes(routes, context);
  add_settings_routes(routes, context);
  add_mail_routes(routes, context);
  return routes;
}

void add_openapi_route(RouteTable& routes) {
  // The document describes the table it is part of; built once, served as it is.
  ApiRoute& openapi = routes.emplace_back();
  openapi.method = Method::get;
  openapi.pattern = std::string(kOpenApiPath);
  openapi.tag = "meta";
  openapi.summary = "This document (no session needed)";
  openapi.public_handler = [](const Request&) { return Response{}; };  // replaced below
  const std::string document = openapi_document(routes).dump();
  routes.back().public_handler = [document](const Request&) {
    return Response::json(200, document);
  };
}

RouteTable api_routes(ApiContext& context) {
  RouteTable routes = rest_routes(context);
  add_openapi_route(routes);
  return routes;
}

void register_api_routes(Router& router, ApiContext& context) {
  if (context.auth == nullptr) {
    throw std::invalid_argument("register_api_routes: the API needs SessionAuth");
  }
  register_routes(router, api_routes(context), *context.auth);
}

RouteTable portal_routes(PortalParts parts) {
  if (parts.api.auth == nullptr) {
    throw std::invalid_argument("portal_routes: the portal needs SessionAuth");
  }
  SessionAuth& auth = *parts.api.auth;
  RouteTable routes = std::move(parts.sign_in);
  for (auto& entry : rest_routes(parts.api))
    routes.push_back(std::move(entry));

  ApiRoute& live = routes.emplace_back();
  live.pattern = "/api/v1/live";
  live.tag = "live";
  live.summary =
      "WebSocket (needs the session cookie): a snapshot of every machine's status, then each "
      "change as it happens (LiveMessage), a heartbeat every 15 s";
  live.websocket = parts.live.route(
      [&auth](const Request& request) -> std::optional<Response> {
        // A page of another site cannot open the live link with the admin's cookie.
        if (!same_origin_or_none(request)) {
          return Response::error(403, "cross_origin", "The live link opens from the portal only");
        }
        return check_request(auth, request).refusal;
      },
      [&auth](const Request& request) { return auth.still_valid(request); },
      [&auth](const Request& request) { auth.authenticate(request); });
  live.response_schema = "LiveMessage";
  live.success_status = 101;

  ApiRoute& metrics = routes.emplace_back();
  metrics.pattern = "/metrics";
  metrics.tag = "meta";
  metrics.summary =
      "Broker, board-reply and portal figures in the Prometheus text format (loopback clients "
      "only unless the settings allow others)";
  metrics.public_handler = metrics_handler(parts.metrics, parts.metrics_allow_remote);
  metrics.response_type = "text/plain";

  // The browser app: immutable data, served on the portal's I/O thread.
  for (const char* pattern : {"/", "/{file...}"}) {
    ApiRoute& files = routes.emplace_back();
    files.pattern = pattern;
    files.tag = "app";
    files.summary = "The portal's browser app (embedded files; index.html at /)";
    files.public_handler = parts.assets.handler();
    files.options.io_thread_safe = true;
    files.response_type = "*/*";
  }

  add_openapi_route(routes);
  return routes;
}

}  // namespace fabomatic::web::api
