// Building blocks of the OpenAPI document's schemas, shared by openapi.cpp (entities, bodies,
// pages), openapi_operations.cpp (the operations pages) and the routes that describe their own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "web/api/json.hpp"

namespace fabomatic::web::api::schema {

Json type(std::string_view name, std::string_view description = "");
Json integer(std::string_view description = "");
Json number(std::string_view description = "");
Json boolean(std::string_view description = "");
Json string(std::string_view description = "");
Json time(std::string_view description = "unix seconds");
Json nullable(Json t);
/// A reference to components/schemas/<name> (not `ref`: with a std::string argument,
/// argument-dependent lookup would prefer std::ref).
Json schema_ref(std::string_view name);
Json array_of(Json items);
Json ranged(Json t, double min, double max);
/// A string of at most `max_length` characters.
Json text(std::size_t max_length, std::string_view description = "");

/// An object with the listed properties required; `closed`: unknown fields are refused
/// (request bodies).
Json object(Json properties, std::vector<std::string> required = {}, bool closed = true);
/// An answer: every property is always present (required), and the object is open.
Json answer(Json properties);
/// A page of a list: items of the schema `item`, total, limit, offset.
Json page_of(std::string_view item);

}  // namespace fabomatic::web::api::schema
