// A first, cheap look at a JSON request body before it is built into a document: what every
// JSON route refuses alike (the API's bodies, the sign-in's).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fabomatic::web {

/// Why the body is refused, as a sentence for the 400 answer: a NUL byte (the parser would end
/// the document there and ignore what follows), an object with more than 256 fields, nesting
/// deeper than 32 levels, or a key given twice in one object (the parser keeps one of the two,
/// and which value the sender meant is anybody's guess). Nullopt when none of these; whether it
/// is valid JSON at all is the parser's to say.
std::optional<std::string> json_body_problem(std::string_view body);

}  // namespace fabomatic::web
