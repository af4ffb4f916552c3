// The REST API of the admin portal under /api/v1, and the portal's whole route table
// (web/auth/route_table.hpp) from which both the router and the OpenAPI document are built, so
// the published document lists every route the server answers.
//
// Every REST route goes through protect(): 401 without a session, 403 without the CSRF token on
// state changes. Handlers run on the reactor thread; each state change runs in one transaction
// together with its audit entry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "web/api/context.hpp"
#include "web/api/metrics.hpp"
#include "web/auth/guard.hpp"
#include "web/auth/route_table.hpp"
#include "web/http/http_message.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web {
class LiveHub;
class StaticAssets;
}  // namespace fabomatic::web

namespace fabomatic::web::api {

/// The REST API's own routes, in the order the OpenAPI document lists them.
RouteTable rest_routes(ApiContext& context);

/// rest_routes() and GET /api/v1/openapi.json describing them.
RouteTable api_routes(ApiContext& context);

/// Adds every route of api_routes() to `router`, the non-public ones behind protect().
/// Throws std::invalid_argument when context.auth is unset.
void register_api_routes(Router& router, ApiContext& context);

/// Everything else the portal serves, for portal_routes(). All must outlive the router.
struct PortalParts {
  ApiContext& api;             // the REST API (api.auth must be set)
  RouteTable sign_in;          // web/auth's routes (add_auth_routes)
  LiveHub& live;               // the live WebSocket
  const StaticAssets& assets;  // the browser app
  MetricsSources metrics;
  bool metrics_allow_remote = false;
};

/// The whole portal as one table: sign-in, the REST API, the live WebSocket, /metrics, the
/// static files, and GET /api/v1/openapi.json describing all of them.
RouteTable portal_routes(PortalParts parts);

/// Adds the OpenAPI document of `routes` to them, as GET /api/v1/openapi.json (public).
void add_openapi_route(RouteTable& routes);

// One function per entity group adds its routes (api_<group>.cpp).
void add_member_routes(RouteTable& routes, ApiContext& context);
void add_unknown_card_routes(RouteTable& routes, ApiContext& context);
void add_role_routes(RouteTable& routes, ApiContext& context);
void add_machine_type_routes(RouteTable& routes, ApiContext& context);
void add_machine_routes(RouteTable& routes, ApiContext& context);
void add_board_routes(RouteTable& routes, ApiContext& context);
void add_board_account_routes(RouteTable& routes, ApiContext& context);
void add_authorization_routes(RouteTable& routes, ApiContext& context);
void add_maintenance_routes(RouteTable& routes, ApiContext& context);
void add_use_routes(RouteTable& routes, ApiContext& context);
void add_live_routes(RouteTable& routes, ApiContext& context);
/// GET /api/v1/<list>/export (exports.cpp).
void add_export_routes(RouteTable& routes, ApiContext& context);
/// The system page (system.cpp), a member's data and reset mail (member_actions.cpp), the
/// settings editor (settings_routes.cpp), mail (mail_routes.cpp).
void add_system_routes(RouteTable& routes, ApiContext& context);
void add_member_action_routes(RouteTable& routes, ApiContext& context);
void add_settings_routes(RouteTable& routes, ApiContext& context);
void add_mail_routes(RouteTable& routes, ApiContext& context);

/// Documentation of the shared list parameters (limit, offset, sort, order).
std::vector<ParamDoc> list_params(std::vector<std::string> sort_fields);

/// Builds a table entry whose handler runs inside guarded() (api_json.hpp).
ApiRoute route(Method method, std::string pattern, std::string tag, std::string summary,
               std::function<Response(const Request&, const Principal&)> handler);

}  // namespace fabomatic::web::api
