#include "web/auth/body.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "web/auth/json_shape.hpp"

namespace fabomatic::web {

Response json_response(int status, const nlohmann::json& body) {
  return Response::json(status,
                        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response invalid_fields(const FieldErrors& fields, std::string_view message) {
  nlohmann::ordered_json error{{"status", 400}, {"code", "invalid"}, {"message", message}};
  add_field_errors(error, fields);
  return Response::json(400, nlohmann::ordered_json{{"error", std::move(error)}}.dump(
                                 -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

Response too_many_attempts(std::chrono::seconds retry_after) {
  auto response = Response::error(429, "rate_limited", "Too many attempts; try again later");
  response.headers.set("Retry-After", std::to_string(retry_after.count()));
  return response;
}

bool has_media_type(const Request& request, std::string_view media_type) {
  const std::string_view type = request.header("Content-Type").value_or("");
  const std::string_view named = type.substr(0, type.find(';'));
  return text::iequals(text::trim(named), media_type);
}

JsonObject parse_json_object(const Request& request,
                             std::initializer_list<std::string_view> known) {
  if (!has_media_type(request, "application/json")) {
    return {{},
            Response::error(415, "unsupported_media_type", "Send the body as application/json")};
  }
  if (const auto problem = json_body_problem(request.body)) {
    return {{}, Response::error(400, "malformed_json", *problem)};
  }
  auto value = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    return {{}, Response::error(400, "malformed_json", "The body is not valid JSON")};
  if (!value.is_object())
    return {{}, Response::error(400, "malformed_json", "The body must be a JSON object")};
  FieldErrors unknown;
  for (const auto& item : value.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end())
      unknown[item.key()] = field_error::unknown_field();
  }
  if (!unknown.empty())
    return {{}, invalid_fields(unknown, "The body has fields this route does not take")};
  return {std::move(value), std::nullopt};
}

std::optional<std::string> string_field(const nlohmann::json& object, const std::string& name,
                                        FieldErrors& errors) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    errors[name] = field_error::required();
    return std::nullopt;
  }
  if (!it->is_string()) {
    errors[name] = field_error::type("string", "must be a string");
    return std::nullopt;
  }
  auto value = it->get<std::string>();
  if (value.empty()) {
    errors[name] = field_error::required();
    return std::nullopt;
  }
  return value;
}

}  // namespace fabomatic::web
