#include "web/api/routes.hpp"

#include <stdexcept>

#include "web/api/openapi.hpp"

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

RouteTable api_routes(ApiContext& context) {
  RouteTable routes;
  add_live_routes(routes, context);
  add_member_routes(routes, context);
  add_unknown_card_routes(routes, context);
  add_role_routes(routes, context);
  add_machine_type_routes(routes, context);
  add_machine_routes(routes, context);
  add_board_routes(routes, context);
  add_authorization_routes(routes, context);
  add_maintenance_routes(routes, context);
  add_use_routes(routes, context);

  // The document describes the table it is part of; built once, served as it is.
  ApiRoute& openapi = routes.emplace_back();
  openapi.method = Method::get;
  openapi.pattern = std::string(kOpenApiPath);
  openapi.tag = "meta";
  openapi.summary = "This document (no session needed)";
  openapi.response_schema = "";
  openapi.is_public = true;
  const std::string document = openapi_document(routes).dump();
  routes.back().handler = [document](const Request&, const Principal&) {
    return Response::json(200, document);
  };
  return routes;
}

void register_api_routes(Router& router, ApiContext& context) {
  if (context.auth == nullptr) {
    throw std::invalid_argument("register_api_routes: the API needs SessionAuth");
  }
  for (auto& entry : api_routes(context)) {
    if (entry.async_handler) {
      router.add_async(entry.method, entry.pattern,
                       protect_async(*context.auth, std::move(entry.async_handler)));
      continue;
    }
    Handler handler;
    if (entry.is_public) {
      handler = [inner = std::move(entry.handler)](const Request& request) {
        return inner(request, Principal{});
      };
    } else {
      handler = protect(*context.auth, std::move(entry.handler));
    }
    router.add(entry.method, entry.pattern, std::move(handler));
  }
}

}  // namespace fabomatic::web::api
