// Per-field errors of the portal's answers (a 400 with "fields", and a 409 naming the field that
// clashed): an English sentence for people, and next to it a stable code with its parameters
// for programs — the browser app translates by code, never by matching the sentence.
//
//   "fields":      {"card": "must be 8 hexadecimal characters", "name": "at most 100 characters"}
//   "field_codes": {"card": {"code": "pattern", "format": "card"},
//                   "name": {"code": "too_long", "max": 100}}
//
// The whole set of codes (kFieldCodes; the OpenAPI document lists it as an enum):
//   required           missing, null, or empty after trimming spaces
//   type               the wrong JSON type; {expected: string|integer|number|boolean|array|id|time}
//   too_long           {max}: more characters (text) or items (list) than allowed
//   too_short          {min}: fewer characters than required
//   range              {min, max}: a number outside the bounds
//   pattern            {format: card|email|url}: text not of the required form
//   choice             {allowed: [...]}: not one of the allowed words
//   unknown_field      a body field the route does not know (typos are refused, not ignored)
//   unknown_reference  {entity: member|machine|machine_type|role|plan}: no such row (for a
//                      member: or deleted)
//   order              {after}: must not come before the field named
//   taken              a unique value is in use (card, e-mail, name, id, member+machine pair)
//   in_use             {count, entity} when known: other rows (members, machines) still refer
//                      to this one
//   reserved           a reserved row (the Anonymous member, a reserved role) cannot change
//   self               not allowed on your own account (disable, delete, drop admin rights)
//   deleted            the row is deleted
//   open_use           {use_id}: the machine already has an open use
//   wrong_password     the current password is wrong
//   same_password      the new password is the current one
//   future             {now}: a time later than the appliance's clock (now, unix seconds)
//   control_characters {single_line}: a control character (a tab or line break too where
//                      single_line) in a text a person types, e.g. pasted from a spreadsheet
//   unusable           {problem, subject, detail}: a setting names something the next start
//                      could not use; problem: no_file, not_a_folder, not_writable (subject:
//                      the path), cannot_listen (subject: address[:port]), tls_pair (the
//                      certificate and key do not load together), relative_path (subject:
//                      the path, not from /); detail: the system's reason
//   invalid            anything else; the sentence says what
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabomatic::web {

/// Every code a field error can carry, in the order documented above.
extern const std::vector<std::string_view> kFieldCodes;

struct FieldError {
  std::string message;                                               // English, for people and logs
  std::string code;                                                  // one of kFieldCodes
  nlohmann::ordered_json params = nlohmann::ordered_json::object();  // {"max": 100}, ...
};

using FieldErrors = std::map<std::string, FieldError, std::less<>>;

/// The field errors of each kind, with the sentence the API has always written for them.
namespace field_error {
FieldError required(std::string message = "required");
/// `expected`: string, integer, number, boolean, array, id or time.
FieldError type(std::string_view expected, std::string message);
FieldError too_long(std::int64_t max, std::string_view unit = "characters");
FieldError too_short(std::int64_t min, std::string_view unit = "characters");
FieldError range(const nlohmann::ordered_json& min, const nlohmann::ordered_json& max);
/// `format`: card, email or url.
FieldError pattern(std::string_view format, std::string message);
FieldError choice(const std::vector<std::string_view>& allowed);
FieldError unknown_field();
/// `entity`: member, machine, machine_type, role or plan.
FieldError unknown_reference(std::string_view entity, std::string message);
FieldError order(std::string_view after);
FieldError taken(std::string message);
/// `entity`: what refers to the row (member, machine); empty when not known.
FieldError in_use(std::string message, std::optional<std::int64_t> count = std::nullopt,
                  std::string_view entity = {});
FieldError reserved(std::string message);
FieldError self(std::string message);
FieldError deleted(std::string message);
FieldError open_use(std::int64_t use_id);
FieldError wrong_password();
FieldError same_password();
FieldError future(double now);
FieldError control_characters(bool single_line);
/// `problem`: no_file, not_a_folder, not_writable, cannot_listen, tls_pair or relative_path.
FieldError unusable(std::string_view problem, std::string subject, std::string detail,
                    std::string message);
FieldError invalid(std::string message);
}  // namespace field_error

/// Adds "fields" (name -> sentence) and "field_codes" (name -> {"code": .., params..}) to the
/// object `error` (the value of the answer's "error"); nothing when `fields` is empty.
void add_field_errors(nlohmann::ordered_json& error, const FieldErrors& fields);

}  // namespace fabomatic::web
