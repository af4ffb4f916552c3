// What every REST API handler shares: JSON answers, the error shape, strict readers for request
// bodies and query strings that collect per-field messages, paging and sort parameters.
//
// Decisions that hold for the whole API (documented in the OpenAPI document too):
// - Bodies are JSON objects. A field of the wrong JSON type, out of range or unknown is a 400
//   naming the field ("unknown field" catches typos that would otherwise be silently ignored,
//   which matters for PATCH). Booleans are true/false, integers are integral JSON numbers.
// - Unknown query parameters, and one given twice, are refused (web/auth/route_table.cpp, which
//   also refuses a body of another media type than the route's); known ones are validated like
//   body fields.
// - Times are unix seconds (JSON numbers); card ids are 8 hex characters, answered lowercase.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/models.hpp"
#include "web/auth/field_errors.hpp"
#include "web/http/http_message.hpp"

namespace fabomatic::web::api {

// Keeps the order fields were written in, so answers read like the documented schemas.
using Json = nlohmann::ordered_json;

// Per-field errors with their codes (web/auth/field_errors.hpp): FieldError, FieldErrors and
// the field_error:: constructors are found from here as they are.

/// A refusal the handler decided on; guarded() turns it into the JSON error answer.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message, FieldErrors fields = {});

  int status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }
  const FieldErrors& fields() const noexcept { return fields_; }
  /// A refusal's reason as a code (the 409 of remote start/stop); "" when there is none.
  const std::string& reason() const noexcept { return reason_; }

  /// 404 "<entity> <id> not found".
  static ApiError not_found(std::string_view entity, db::Id id);
  /// 400 "invalid" with one message and code per field.
  static ApiError invalid(FieldErrors fields);
  /// 409 "conflict" naming the field that clashed.
  static ApiError conflict(std::string_view field, FieldError error);
  /// 409 "refused" with a reason code (e.g. "offline") next to the sentence.
  static ApiError refused(std::string reason, std::string message);

 private:
  int status_;
  std::string code_;
  FieldErrors fields_;
  std::string reason_;
};

/// {"error":{"status":..,"code":..,"message":..[,"reason":..][,"fields":{..},
/// "field_codes":{..}]}}
Response error_response(int status, std::string_view code, std::string_view message,
                        const FieldErrors& fields = {}, std::string_view reason = {});
Response json_response(int status, const Json& body);

/// Runs a handler body and turns what user input can cause into 4xx answers: ApiError as it
/// says, db::Conflict as 409 naming its field, a busy database as 503. Other exceptions (a
/// broken database, a bug) propagate to the router, which logs them and answers 500.
Response guarded(const std::function<Response()>& body);

// ---- request bodies ------------------------------------------------------------------------

struct TextRule {
  std::size_t max_length = 200;  // in characters (UTF-8 code points)
  bool allow_empty = false;      // after trimming spaces at both ends
  bool single_line = false;      // refuse control characters (line breaks, tabs, NUL)
  bool keep_spaces = false;      // a password: spaces at its ends are part of it, not trimmed
};

/// What a member's card may be: 8 hexadecimal characters (a board's 4-byte card id).
bool is_member_card(std::string_view card);

/// A JSON object body, read field by field. Every accessor marks its field as known and, when
/// the field is present but unusable, records a message for it and returns nullopt. finish()
/// throws one 400 with every message (and "unknown field" for fields nobody read).
class Body {
 public:
  /// Parses the request body; ApiError 400 ("malformed_json") when it is not a JSON object.
  explicit Body(const Request& request);
  explicit Body(Json object);

  bool has(std::string_view name) const;
  /// Records "required" when the field is absent (creates call this for mandatory fields).
  void require(std::string_view name);
  void error(std::string_view name, FieldError error);
  bool has_errors() const { return !errors_.empty(); }
  /// Throws ApiError 400 when some field was refused or not known.
  void finish();

  std::optional<std::string> text(std::string_view name, const TextRule& rule = {});
  /// Outer nullopt: absent. Inner nullopt: null or "" (the value is cleared).
  std::optional<std::optional<std::string>> nullable_text(std::string_view name,
                                                          const TextRule& rule = {});
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
  std::optional<std::optional<std::int64_t>> nullable_integer(std::string_view name,
                                                              std::int64_t min, std::int64_t max);
  std::optional<double> number(std::string_view name, double min, double max);
  std::optional<std::optional<double>> nullable_number(std::string_view name, double min,
                                                       double max);
  std::optional<bool> boolean(std::string_view name);
  /// A positive integer id.
  std::optional<db::Id> id(std::string_view name);
  /// An array of positive ids, at most `max_items`.
  std::optional<std::vector<db::Id>> id_list(std::string_view name, std::size_t max_items);
  /// A card id (8 hex characters, is_member_card; returned lowercase); null or "" clears it.
  std::optional<std::optional<std::string>> card(std::string_view name);
  /// A unix time in seconds (a number between 0 and year 3000).
  std::optional<double> time(std::string_view name);
  std::optional<std::optional<double>> nullable_time(std::string_view name);
  /// A time that has happened: later than `now` (beyond kClockTolerance, for a browser whose
  /// clock is a little ahead of the appliance's) is refused ("future"). A use or intervention
  /// dated in the future would show a machine in use, or a plan serviced, until that date.
  std::optional<double> past_time(std::string_view name, double now);
  std::optional<std::optional<double>> nullable_past_time(std::string_view name, double now);
  static constexpr double kClockTolerance = 300;

 private:
  const Json* field(std::string_view name);
  /// Records "future" for `name` when `time` is later than now (beyond kClockTolerance).
  bool refuse_future(std::string_view name, double time, double now);

  Json object_;
  std::set<std::string, std::less<>> known_;
  FieldErrors errors_;
};

// ---- query strings -------------------------------------------------------------------------

/// One sortable field of a list: the name clients use and what it means to the repository.
template <class Key>
struct SortField {
  std::string_view name;
  Key key;
};

struct Sorting {
  std::string field;  // one of the list's sort field names
  bool descending = false;
};

/// The query parameters of a request, read with validation (messages collected per parameter,
/// thrown together by finish()). Parameters not asked for are ignored here (the route table refused
/// undeclared ones).
class Query {
 public:
  explicit Query(const Request& request) : request_(request) {}

  std::optional<db::Id> id(std::string_view name);
  std::optional<double> time(std::string_view name);
  /// true/false (also 1/0).
  std::optional<bool> flag(std::string_view name);
  std::optional<std::string> text(std::string_view name, std::size_t max_length = 100);
  /// ?limit= (1..max_limit, default default_limit) and ?offset= (>= 0, default 0).
  db::Page page(std::int64_t default_limit = 50, std::int64_t max_limit = 500);
  /// ?sort= among `allowed` (default `default_field`) and ?order=asc|desc (default as given).
  Sorting sort(const std::vector<std::string_view>& allowed, std::string_view default_field,
               bool default_descending);

  template <class Key, std::size_t N>
  std::pair<Key, bool> sort(const SortField<Key> (&fields)[N], bool default_descending) {
    std::vector<std::string_view> names;
    for (const auto& f : fields)
      names.push_back(f.name);
    const Sorting chosen = sort(names, fields[0].name, default_descending);
    for (const auto& f : fields) {
      if (f.name == chosen.field) return {f.key, chosen.descending};
    }
    return {fields[0].key, chosen.descending};
  }

  void error(std::string_view name, FieldError error);
  void finish();

 private:
  const Request& request_;
  FieldErrors errors_;
};

/// The names of a sort table, for the OpenAPI document.
template <class Key, std::size_t N>
std::vector<std::string> sort_names(const SortField<Key> (&fields)[N]) {
  std::vector<std::string> names;
  for (const auto& f : fields)
    names.emplace_back(f.name);
  return names;
}

/// The positive id in path parameter `name` ("{id}"); ApiError 404 when it is not one (no
/// resource can have such an id).
db::Id path_id(const Request& request, std::string_view entity, std::string_view name = "id");

// ---- answers -------------------------------------------------------------------------------

/// {"items":[...],"total":N,"limit":L,"offset":O}
Json page_json(Json items, std::int64_t total, const db::Page& page);

/// The page of an in-memory list (tables that hold a handful of rows: roles, types, boards).
template <class T>
std::vector<T> slice(const std::vector<T>& all, const db::Page& page) {
  const auto begin = std::min<std::size_t>(all.size(), static_cast<std::size_t>(page.offset));
  const auto end = page.limit > 0 ? std::min<std::size_t>(
                                        all.size(), begin + static_cast<std::size_t>(page.limit))
                                  : all.size();
  return std::vector<T>(all.begin() + static_cast<std::ptrdiff_t>(begin),
                        all.begin() + static_cast<std::ptrdiff_t>(end));
}

/// A JSON value for an optional: null when unset.
template <class T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

/// a < b ignoring ASCII case, as SQLite's NOCASE sorts names (then by bytes, for a stable order).
bool less_nocase(std::string_view a, std::string_view b);

/// What a per-id count map (e.g. members per role) holds for `id`; 0 when it holds nothing.
std::int64_t count_for(const std::map<db::Id, std::int64_t>& counts, db::Id id);

}  // namespace fabomatic::web::api
