#include "web/auth/field_errors.hpp"

namespace fabomatic::web {

using Json = nlohmann::ordered_json;

const std::vector<std::string_view> kFieldCodes = {"required",
                                                   "type",
                                                   "too_long",
                                                   "too_short",
                                                   "range",
                                                   "pattern",
                                                   "choice",
                                                   "unknown_field",
                                                   "unknown_reference",
                                                   "order",
                                                   "taken",
                                                   "in_use",
                                                   "reserved",
                                                   "self",
                                                   "deleted",
                                                   "open_use",
                                                   "wrong_password",
                                                   "same_password",
                                                   "future",
                                                   "control_characters",
                                                   "unusable",
                                                   "invalid"};

namespace field_error {

namespace {
FieldError make(std::string message, std::string code, Json params = Json::object()) {
  return FieldError{std::move(message), std::move(code), std::move(params)};
}
}  // namespace

FieldError required(std::string message) {
  return make(std::move(message), "required");
}

FieldError type(std::string_view expected, std::string message) {
  return make(std::move(message), "type", Json{{"expected", expected}});
}

FieldError too_long(std::int64_t max, std::string_view unit) {
  return make("at most " + std::to_string(max) + " " + std::string(unit), "too_long",
              Json{{"max", max}});
}

FieldError too_short(std::int64_t min, std::string_view unit) {
  return make("at least " + std::to_string(min) + " " + std::string(unit), "too_short",
              Json{{"min", min}});
}

FieldError range(const Json& min, const Json& max) {
  // dump() prints integers without a fraction and doubles as doubles.
  return make("must be between " + min.dump() + " and " + max.dump(), "range",
              Json{{"min", min}, {"max", max}});
}

FieldError pattern(std::string_view format, std::string message) {
  return make(std::move(message), "pattern", Json{{"format", format}});
}

FieldError choice(const std::vector<std::string_view>& allowed) {
  std::string list;
  Json words = Json::array();
  for (const auto word : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(word);
    words.push_back(word);
  }
  return make("must be one of: " + list, "choice", Json{{"allowed", std::move(words)}});
}

FieldError unknown_field() {
  return make("unknown field", "unknown_field");
}

FieldError unknown_reference(std::string_view entity, std::string message) {
  return make(std::move(message), "unknown_reference", Json{{"entity", entity}});
}

FieldError order(std::string_view after) {
  return make("must not be before " + std::string(after), "order", Json{{"after", after}});
}

FieldError taken(std::string message) {
  return make(std::move(message), "taken");
}

FieldError in_use(std::string message, std::optional<std::int64_t> count, std::string_view entity) {
  Json params = Json::object();
  if (count) params["count"] = *count;
  if (!entity.empty()) params["entity"] = entity;
  return make(std::move(message), "in_use", std::move(params));
}

FieldError reserved(std::string message) {
  return make(std::move(message), "reserved");
}

FieldError self(std::string message) {
  return make(std::move(message), "self");
}

FieldError deleted(std::string message) {
  return make(std::move(message), "deleted");
}

FieldError open_use(std::int64_t use_id) {
  return make(
      "the machine already has an open use (" + std::to_string(use_id) + "); give an end time",
      "open_use", Json{{"use_id", use_id}});
}

FieldError wrong_password() {
  return make("wrong password", "wrong_password");
}

FieldError same_password() {
  return make("must differ from the current password", "same_password");
}

FieldError future(double now) {
  return make("is later than now (the appliance's clock)", "future", Json{{"now", now}});
}

FieldError control_characters(bool single_line) {
  return make(single_line ? "must be one line, without control characters"
                          : "must not contain control characters",
              "control_characters", Json{{"single_line", single_line}});
}

FieldError unusable(std::string_view problem, std::string subject, std::string detail,
                    std::string message) {
  return make(
      std::move(message), "unusable",
      Json{{"problem", problem}, {"subject", std::move(subject)}, {"detail", std::move(detail)}});
}

FieldError invalid(std::string message) {
  return make(std::move(message), "invalid");
}

}  // namespace field_error

void add_field_errors(Json& error, const FieldErrors& fields) {
  if (fields.empty()) return;
  Json messages = Json::object();
  Json codes = Json::object();
  for (const auto& [name, field] : fields) {
    messages[name] = field.message;
    Json code{{"code", field.code}};
    for (const auto& [key, value] : field.params.items())
      code[key] = value;
    codes[name] = std::move(code);
  }
  error["fields"] = std::move(messages);
  error["field_codes"] = std::move(codes);
}

}  // namespace fabomatic::web
