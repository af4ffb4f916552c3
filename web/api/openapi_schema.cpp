#include "web/api/openapi_schema.hpp"

namespace fabomatic::web::api::schema {

Json type(std::string_view name, std::string_view description) {
  Json t{{"type", name}};
  if (!description.empty()) t["description"] = description;
  return t;
}
Json integer(std::string_view description) {
  return type("integer", description);
}
Json number(std::string_view description) {
  return type("number", description);
}
Json boolean(std::string_view description) {
  return type("boolean", description);
}
Json string(std::string_view description) {
  return type("string", description);
}
Json time(std::string_view description) {
  return number(description);
}
Json nullable(Json t) {
  t["nullable"] = true;
  return t;
}
Json schema_ref(std::string_view name) {
  return Json{{"$ref", "#/components/schemas/" + std::string(name)}};
}
Json array_of(Json items) {
  return Json{{"type", "array"}, {"items", std::move(items)}};
}
Json ranged(Json t, double min, double max) {
  t["minimum"] = min;
  t["maximum"] = max;
  return t;
}
Json text(std::size_t max_length, std::string_view description) {
  Json t = string(description);
  t["maxLength"] = max_length;
  return t;
}

Json object(Json properties, std::vector<std::string> required, bool closed) {
  Json o{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = required;
  if (closed) o["additionalProperties"] = false;
  return o;
}
Json answer(Json properties) {
  std::vector<std::string> all;
  for (const auto& [name, value] : properties.items())
    all.push_back(name);
  return object(std::move(properties), std::move(all), false);
}
Json page_of(std::string_view item) {
  return answer(Json{{"items", array_of(schema_ref(item))},
                     {"total", integer("rows matching the filters")},
                     {"limit", integer()},
                     {"offset", integer()}});
}

}  // namespace fabomatic::web::api::schema
