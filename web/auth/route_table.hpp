// The portal's routes as one table: each entry is what the router serves (method, pattern,
// handler, how it is guarded) and what the OpenAPI document says of it (group, summary,
// parameters, schemas). The router and the document are both built from the table, so the
// published document lists every route the server answers and cannot drift from it.
//
// An entry has exactly one of the handler kinds below. handler and async_handler go through
// protect(): 401 without a session, 403 without the CSRF token on a state change, 403 while the
// password must be changed (unless `protect` allows it). public_handler and
// public_async_handler are served to anyone (sign-in, the static files); a WebSocket route
// authorizes its upgrade itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "web/auth/guard.hpp"
#include "web/http/http_message.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web {

/// A query parameter as the OpenAPI document shows it.
struct ParamDoc {
  std::string name;
  std::string type;  // "integer", "number", "boolean", "string"
  std::string description;
  std::vector<std::string> choices;  // an enum, e.g. the sort fields
};

struct ApiRoute {
  Method method = Method::get;
  std::string pattern;  // "/api/v1/machines/{id}"; a last segment "{file...}" takes the rest
  std::string tag;      // the OpenAPI group ("members", "machines", ...)
  std::string summary;

  ProtectedHandler handler;
  /// Answers through a Reply, when work must happen off the reactor first (password hashing).
  ProtectedAsyncHandler async_handler;
  Handler public_handler;
  AsyncHandler public_async_handler;
  std::optional<WebSocketRoute> websocket;

  ProtectOptions protect;
  RouteOptions options;

  std::vector<ParamDoc> query;
  std::string request_schema;  // components/schemas name of the JSON body; "" when none
  /// The media type of a body that is not JSON (a restore's database file); "" when the route
  /// takes a JSON body (request_schema) or none. A body of another type is refused (415), as
  /// is any body but "{}" on a route that takes none (400 unexpected_body).
  std::string request_type;
  std::string response_schema;  // of the success answer; "" when it has no JSON schema
  /// The success answer's media type when it is not JSON ("text/plain" for /metrics).
  std::string response_type = "application/json";
  int success_status = 200;

  bool is_public() const { return public_handler || public_async_handler || websocket.has_value(); }
};

using RouteTable = std::vector<ApiRoute>;

/// Wraps a protected entry's handler so that it first refuses what the route does not take: a
/// query parameter it does not document or one given twice, a body of another media type than
/// the route's, a body on a route that takes none. register_routes does it to every entry (so
/// after the session check); tests that call handlers directly can do it too.
void refuse_undeclared_input(ApiRoute& entry);

/// Adds every entry of `routes` to `router`, the protected ones behind protect(auth).
/// Throws std::invalid_argument for an entry with no handler or more than one kind.
void register_routes(Router& router, RouteTable routes, SessionAuth& auth);

}  // namespace fabomatic::web
