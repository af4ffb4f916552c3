// The OpenAPI 3 document of the REST API, generated from the route table (api_routes.hpp) with
// hand-written schemas of the entities beside it, so every served route is described.
#pragma once

#include "web/api/json.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

inline constexpr std::string_view kOpenApiPath = "/api/v1/openapi.json";

/// The document describing every route of `routes`.
Json openapi_document(const RouteTable& routes);

/// The schemas under components/schemas (entities, bodies, pages, the error shape).
Json openapi_schemas();

/// The schemas of the operations pages (system, settings, mail; openapi_operations.cpp).
void add_operations_schemas(Json& schemas);

}  // namespace fabomatic::web::api
