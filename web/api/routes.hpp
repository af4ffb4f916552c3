// The REST API of the admin portal under /api/v1: one table of routes (method, pattern, handler
// and its documentation) that both the router and the OpenAPI document are built from, so the
// published document cannot drift from what is served.
//
// Every route but GET /api/v1/openapi.json goes through protect(): 401 without a session, 403
// without the CSRF token on state changes. Handlers run on the reactor thread; each state
// change runs in one transaction together with its audit entry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "web/api/context.hpp"
#include "web/auth/guard.hpp"
#include "web/http/http_message.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web::api {

/// A query parameter as the OpenAPI document shows it.
struct ParamDoc {
  std::string name;
  std::string type;  // "integer", "number", "boolean", "string"
  std::string description;
  std::vector<std::string> choices;  // an enum, e.g. the sort fields
};

struct ApiRoute {
  Method method = Method::get;
  std::string pattern;  // "/api/v1/machines/{id}"
  std::string tag;      // the OpenAPI group ("members", "machines", ...)
  std::string summary;
  ProtectedHandler handler;
  /// When set, answers instead of `handler`, through a Reply (work done off the reactor first).
  ProtectedAsyncHandler async_handler;
  std::vector<ParamDoc> query;
  std::string request_schema;   // components/schemas name of the body; "" when none
  std::string response_schema;  // of the success answer; "" when it has no body
  int success_status = 200;
  bool is_public = false;  // served without a session (the OpenAPI document only)
};

using RouteTable = std::vector<ApiRoute>;

/// The whole API, in the order the OpenAPI document lists it.
RouteTable api_routes(ApiContext& context);

/// Adds every route of api_routes() to `router`, the non-public ones behind protect().
/// Throws std::invalid_argument when context.auth is unset.
void register_api_routes(Router& router, ApiContext& context);

// One function per entity group adds its routes (api_<group>.cpp).
void add_member_routes(RouteTable& routes, ApiContext& context);
void add_unknown_card_routes(RouteTable& routes, ApiContext& context);
void add_role_routes(RouteTable& routes, ApiContext& context);
void add_machine_type_routes(RouteTable& routes, ApiContext& context);
void add_machine_routes(RouteTable& routes, ApiContext& context);
void add_board_routes(RouteTable& routes, ApiContext& context);
void add_authorization_routes(RouteTable& routes, ApiContext& context);
void add_maintenance_routes(RouteTable& routes, ApiContext& context);
void add_use_routes(RouteTable& routes, ApiContext& context);
void add_live_routes(RouteTable& routes, ApiContext& context);

/// Documentation of the shared list parameters (limit, offset, sort, order).
std::vector<ParamDoc> list_params(std::vector<std::string> sort_fields);

/// Builds a table entry whose handler runs inside guarded() (api_json.hpp).
ApiRoute route(Method method, std::string pattern, std::string tag, std::string summary,
               std::function<Response(const Request&, const Principal&)> handler);

}  // namespace fabomatic::web::api
