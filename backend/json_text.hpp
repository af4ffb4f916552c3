// JSON strings under a byte budget, for the replies to the boards: they read replies into a
// 300-byte buffer, so the backend must know exactly how many bytes a name costs once escaped,
// and cut it on a character boundary (never inside a multibyte sequence, never inside an
// escape such as \" or \u001f). UTF-8 rules themselves live in common/text.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fabomatic::backend {

/// Bytes `text` takes between the quotes of a JSON string as append_json_string writes it.
std::size_t json_escaped_size(std::string_view text) noexcept;

/// Appends `text` as a JSON string literal: the quotes, then the escaped characters of the
/// longest prefix whose escaped form fits in `max_content_bytes` (the quotes are not counted).
/// Escapes `"`, `\` and control characters (\n style or \u00XX), writes other characters as
/// raw UTF-8 and ill-formed bytes as U+FFFD. Returns how many bytes of `text` were written.
std::size_t append_json_string(std::string& out, std::string_view text,
                               std::size_t max_content_bytes = std::string_view::npos);

}  // namespace fabomatic::backend
