// Reading the JSON bodies of the sign-in routes without letting an exception escape, and the
// error answers they share (400 with per-field messages and codes, 415, 429).
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "web/auth/field_errors.hpp"
#include "web/http/http_message.hpp"

namespace fabomatic::web {

/// {"error":{"status":400,"code":"invalid","message":...,"fields":{...},"field_codes":{...}}}
Response invalid_fields(const FieldErrors& fields,
                        std::string_view message = "Some fields are missing or wrong");

/// 429 "rate_limited" with Retry-After.
Response too_many_attempts(std::chrono::seconds retry_after);

/// A JSON response from a value (invalid UTF-8 replaced, never thrown).
Response json_response(int status, const nlohmann::json& body);

/// True when the request's Content-Type names `media_type` (case aside, parameters such as
/// "; charset=utf-8" aside).
bool has_media_type(const Request& request, std::string_view media_type);

/// The request's body as a JSON object, or the answer to send instead: 415 unless the
/// Content-Type is application/json (a cross-site form cannot send that without a CORS
/// preflight), 400 "malformed_json" (as the API says it) when it does not parse or is not an
/// object, 400 "invalid" naming each member not in `known` (a typo such as "passwrod" is
/// refused, as the API's bodies refuse it, rather than read as a missing field).
struct JsonObject {
  nlohmann::json value;
  std::optional<Response> refusal;
};
JsonObject parse_json_object(const Request& request, std::initializer_list<std::string_view> known);

/// The string member `name` of `object`: missing or empty -> "required", another type ->
/// "must be a string" (code type; recorded in `errors`).
std::optional<std::string> string_field(const nlohmann::json& object, const std::string& name,
                                        FieldErrors& errors);

}  // namespace fabomatic::web
