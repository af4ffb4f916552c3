#include "web/api/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/text.hpp"
#include "db/repository.hpp"
#include "web/auth/json_shape.hpp"

namespace fabomatic::web::api {

namespace {

// Year 3000: far beyond any real record, small enough to keep every duration finite.
constexpr double kMaxTime = kLatestUnixTime;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// A sentence and a code for each Conflict field the repositories use.
FieldError conflict_error(const std::string& field) {
  if (field == "card") return field_error::taken("this card belongs to another member");
  if (field == "name") return field_error::taken("this name is already taken");
  if (field == "user_machine")
    return field_error::taken("this member is already authorized on this machine");
  if (field == "reserved")
    return field_error::reserved("reserved rows cannot be edited or deleted");
  if (field == "references")
    return field_error::in_use(
        "other records still refer to this one, or it refers to a record that does not exist");
  if (field == "id") return field_error::taken("this id is already taken");
  if (field == "type")
    return field_error::unknown_reference("machine_type", "no such machine type");
  if (field == "machine") return field_error::unknown_reference("machine", "no such machine");
  return field_error::invalid("the change conflicts with existing data");
}

}  // namespace

ApiError::ApiError(int status, std::string code, std::string message, FieldErrors fields)
    : std::runtime_error(std::move(message)),
      status_(status),
      code_(std::move(code)),
      fields_(std::move(fields)) {}

ApiError ApiError::not_found(std::string_view entity, db::Id id) {
  return ApiError(404, "not_found", std::string(entity) + " " + std::to_string(id) + " not found");
}

ApiError ApiError::invalid(FieldErrors fields) {
  std::string message = "invalid fields:";
  for (const auto& [name, error] : fields)
    message += " " + name + " (" + error.message + ")";
  return ApiError(400, "invalid", std::move(message), std::move(fields));
}

ApiError ApiError::conflict(std::string_view field, FieldError error) {
  std::string message = error.message;
  FieldErrors fields{{std::string(field), std::move(error)}};
  return ApiError(409, "conflict", std::move(message), std::move(fields));
}

ApiError ApiError::refused(std::string reason, std::string message) {
  ApiError error(409, "refused", std::move(message));
  error.reason_ = std::move(reason);
  return error;
}

Response error_response(int status, std::string_view code, std::string_view message,
                        const FieldErrors& fields, std::string_view reason) {
  Json error{{"status", status}, {"code", code}, {"message", message}};
  if (!reason.empty()) error["reason"] = reason;
  add_field_errors(error, fields);
  return json_response(status, Json{{"error", std::move(error)}});
}

Response json_response(int status, const Json& body) {
  // Replace, not throw, on invalid UTF-8 read from a legacy database row.
  return Response::json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Response guarded(const std::function<Response()>& body) {
  try {
    return body();
  } catch (const ApiError& e) {
    return error_response(e.status(), e.code(), e.what(), e.fields(), e.reason());
  } catch (const db::Conflict& e) {
    FieldError error = conflict_error(e.field());
    const std::string message = error.message;
    return error_response(409, "conflict", message, {{e.field(), std::move(error)}});
  } catch (const db::Error& e) {
    if (!e.is_busy()) throw;
    return error_response(503, "busy", "the database is busy; try again");
  }
}

// ---- Body ----------------------------------------------------------------------------------

Body::Body(const Request& request) {
  if (const auto problem = json_body_problem(request.body)) {
    throw ApiError(400, "malformed_json", *problem);
  }
  Json parsed = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw ApiError(400, "malformed_json", "the body is not valid JSON");
  }
  if (!parsed.is_object()) {
    throw ApiError(400, "malformed_json", "the body must be a JSON object");
  }
  object_ = std::move(parsed);
}

Body::Body(Json object) : object_(std::move(object)) {
  if (!object_.is_object()) throw ApiError(400, "malformed_json", "the body must be a JSON object");
}

bool Body::has(std::string_view name) const {
  return object_.find(name) != object_.end();
}

void Body::require(std::string_view name) {
  known_.emplace(name);
  if (!has(name)) error(name, field_error::required());
}

void Body::error(std::string_view name, FieldError error) {
  errors_.emplace(std::string(name), std::move(error));  // the first error of a field wins
}

void Body::finish() {
  for (const auto& [name, value] : object_.items()) {
    if (!known_.contains(name)) error(name, field_error::unknown_field());
  }
  if (!errors_.empty()) throw ApiError::invalid(errors_);
}

const Json* Body::field(std::string_view name) {
  known_.emplace(name);
  const auto it = object_.find(name);
  return it == object_.end() ? nullptr : &*it;
}

std::optional<std::string> Body::text(std::string_view name, const TextRule& rule) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    error(name, field_error::type("string", "must be a string"));
    return std::nullopt;
  }
  const std::string_view raw = value->get_ref<const std::string&>();
  // Spaces at a text's ends are never meant, Unicode ones (a no-break space pasted from a web
  // page) included: "\u00A0" alone is an empty name.
  const std::string_view text = rule.keep_spaces ? raw : text::trim_spaces(raw);
  if (text.empty() && !rule.allow_empty) {
    error(name, field_error::required("must not be empty"));
    return std::nullopt;
  }
  if (text::utf8_length(text) > rule.max_length) {
    error(name, field_error::too_long(static_cast<std::int64_t>(rule.max_length)));
    return std::nullopt;
  }
  // Control characters (NUL included) have no place in any text a person types; line breaks
  // and tabs only where more than one line is wanted.
  const auto refused = [&](char c) {
    return text::is_control(c) && (rule.single_line || (c != '\n' && c != '\r' && c != '\t'));
  };
  if (std::any_of(text.begin(), text.end(), refused) ||
      text::has_format_control(text, !rule.single_line)) {
    error(name, field_error::control_characters(rule.single_line));
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::optional<std::string>> Body::nullable_text(std::string_view name,
                                                              const TextRule& rule) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (value->is_null()) return std::optional<std::string>();
  if (value->is_string() && text::trim_spaces(value->get_ref<const std::string&>()).empty()) {
    return std::optional<std::string>();
  }
  auto text = this->text(name, rule);
  if (!text) return std::nullopt;
  return std::optional<std::string>(std::move(*text));
}

std::optional<std::int64_t> Body::integer(std::string_view name, std::int64_t min,
                                          std::int64_t max) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (!value->is_number_integer()) {
    error(name, field_error::type("integer", "must be an integer"));
    return std::nullopt;
  }
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    error(name, field_error::range(min, max));
    return std::nullopt;
  }
  const auto number = value->get<std::int64_t>();
  if (number < min || number > max) {
    error(name, field_error::range(min, max));
    return std::nullopt;
  }
  return number;
}

std::optional<std::optional<std::int64_t>> Body::nullable_integer(std::string_view name,
                                                                  std::int64_t min,
                                                                  std::int64_t max) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (value->is_null()) return std::optional<std::int64_t>();
  auto number = integer(name, min, max);
  if (!number) return std::nullopt;
  return std::optional<std::int64_t>(*number);
}

std::optional<double> Body::number(std::string_view name, double min, double max) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (!value->is_number()) {
    error(name, field_error::type("number", "must be a number"));
    return std::nullopt;
  }
  const auto number = value->get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    error(name, field_error::range(min, max));
    return std::nullopt;
  }
  return number;
}

std::optional<std::optional<double>> Body::nullable_number(std::string_view name, double min,
                                                           double max) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (value->is_null()) return std::optional<double>();
  auto number = this->number(name, min, max);
  if (!number) return std::nullopt;
  return std::optional<double>(*number);
}

std::optional<bool> Body::boolean(std::string_view name) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    error(name, field_error::type("boolean", "must be true or false"));
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<db::Id> Body::id(std::string_view name) {
  return integer(name, 1, std::numeric_limits<std::int64_t>::max());
}

std::optional<std::vector<db::Id>> Body::id_list(std::string_view name, std::size_t max_items) {
  const Json* value = field(name);
  if (!value) return std::nullopt;
  if (!value->is_array()) {
    error(name, field_error::type("array", "must be an array of ids"));
    return std::nullopt;
  }
  if (value->size() > max_items) {
    error(name, field_error::too_long(static_cast<std::int64_t>(max_items), "ids"));
    return std::nullopt;
  }
  std::vector<db::Id> ids;
  for (const auto& item : *value) {
    const bool too_big = item.is_number_unsigned() &&
                         item.get<std::uint64_t>() >
                             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!item.is_number_integer() || too_big || item.get<std::int64_t>() < 1) {
      error(name, field_error::type("array", "must be an array of positive integer ids"));
      return std::nullopt;
    }
    const auto id = item.get<std::int64_t>();
    ids.push_back(id);
  }
  return ids;
}

bool is_member_card(std::string_view card) {
  return card.size() == 8 && is_hex(card);
}

std::optional<std::optional<std::string>> Body::card(std::string_view name) {
  auto text = nullable_text(name, {.max_length = 64});
  if (!text || !*text) return text;
  if (!is_member_card(**text)) {
    error(name, field_error::pattern("card", "must be 8 hexadecimal characters"));
    return std::nullopt;
  }
  return std::optional<std::string>(db::normalize_card(**text));
}

std::optional<double> Body::time(std::string_view name) {
  return number(name, 0, kMaxTime);
}

std::optional<std::optional<double>> Body::nullable_time(std::string_view name) {
  return nullable_number(name, 0, kMaxTime);
}

bool Body::refuse_future(std::string_view name, double time, double now) {
  if (time <= now + kClockTolerance) return false;
  error(name, field_error::future(now));
  return true;
}

std::optional<double> Body::past_time(std::string_view name, double now) {
  const auto value = time(name);
  if (value && refuse_future(name, *value, now)) return std::nullopt;
  return value;
}

std::optional<std::optional<double>> Body::nullable_past_time(std::string_view name, double now) {
  const auto value = nullable_time(name);
  if (value && *value && refuse_future(name, **value, now)) return std::nullopt;
  return value;
}

// ---- Query ---------------------------------------------------------------------------------

void Query::error(std::string_view name, FieldError error) {
  errors_.emplace(std::string(name), std::move(error));
}

void Query::finish() {
  if (!errors_.empty()) throw ApiError::invalid(errors_);
}

std::optional<db::Id> Query::id(std::string_view name) {
  const auto raw = request_.query_param(name);
  if (!raw) return std::nullopt;
  db::Id value = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || value < 1) {
    error(name, field_error::type("id", "must be a positive integer id"));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Query::time(std::string_view name) {
  const auto raw = request_.query_param(name);
  if (!raw) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || !std::isfinite(value) || value < 0 ||
      value > kMaxTime) {
    error(name, field_error::type("time", "must be a unix time in seconds"));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Query::flag(std::string_view name) {
  const auto raw = request_.query_param(name);
  if (!raw) return std::nullopt;
  if (*raw == "true" || *raw == "1") return true;
  if (*raw == "false" || *raw == "0") return false;
  error(name, field_error::type("boolean", "must be true or false"));
  return std::nullopt;
}

std::optional<std::string> Query::text(std::string_view name, std::size_t max_length) {
  const auto raw = request_.query_param(name);
  if (!raw) return std::nullopt;
  if (text::utf8_length(*raw) > max_length) {
    error(name, field_error::too_long(static_cast<std::int64_t>(max_length)));
    return std::nullopt;
  }
  return std::string(*raw);
}

db::Page Query::page(std::int64_t default_limit, std::int64_t max_limit) {
  db::Page page{.limit = default_limit, .offset = 0};
  const auto read = [&](std::string_view name, std::int64_t min, std::int64_t max,
                        std::int64_t& out) {
    const auto raw = request_.query_param(name);
    if (!raw) return;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
    if (ec != std::errc() || end != raw->data() + raw->size() || value < min || value > max) {
      error(name, field_error::range(min, max));
      return;
    }
    out = value;
  };
  read("limit", 1, max_limit, page.limit);
  read("offset", 0, std::numeric_limits<std::int32_t>::max(), page.offset);
  return page;
}

Sorting Query::sort(const std::vector<std::string_view>& allowed, std::string_view default_field,
                    bool default_descending) {
  Sorting sorting{std::string(default_field), default_descending};
  if (const auto raw = request_.query_param("sort")) {
    if (std::find(allowed.begin(), allowed.end(), *raw) == allowed.end()) {
      error("sort", field_error::choice(allowed));
    } else {
      sorting.field = std::string(*raw);
    }
  }
  if (const auto raw = request_.query_param("order")) {
    if (*raw == "asc") {
      sorting.descending = false;
    } else if (*raw == "desc") {
      sorting.descending = true;
    } else {
      error("order", field_error::choice({"asc", "desc"}));
    }
  }
  return sorting;
}

db::Id path_id(const Request& request, std::string_view entity, std::string_view name) {
  const auto raw = request.param(name).value_or("");
  db::Id value = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  // "01" is no id either: one row has one spelling of its address.
  if (raw.empty() || ec != std::errc() || end != raw.data() + raw.size() || value < 1 ||
      raw.front() == '0') {
    throw ApiError(
        404, "not_found",
        "no " + std::string(entity) + " has the id '" + std::string(raw.substr(0, 40)) + "'");
  }
  return value;
}

Json page_json(Json items, std::int64_t total, const db::Page& page) {
  // Filled into room reserved beforehand: an ordered_json object that grows copies the values
  // it holds (its pairs have const keys, so they cannot move), and the items of a page of 200
  // machines are most of the answer.
  Json answer = Json::object();
  answer.get_ref<Json::object_t&>().reserve(4);
  answer["items"] = std::move(items);
  answer["total"] = total;
  answer["limit"] = page.limit;
  answer["offset"] = page.offset;
  return answer;
}

bool less_nocase(std::string_view a, std::string_view b) {
  if (text::iless(a, b)) return true;
  return !text::iless(b, a) && a < b;
}

std::int64_t count_for(const std::map<db::Id, std::int64_t>& counts, db::Id id) {
  const auto it = counts.find(id);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace fabomatic::web::api
