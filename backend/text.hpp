// Byte-exact text helpers for the board protocol: UTF-8 character boundaries, JSON string
// escaping under a byte budget, and safe excerpts of untrusted bytes for log lines.
//
// The boards read replies into a 300-byte buffer, so the backend must know exactly how many
// bytes a name costs once JSON-escaped, and cut it on a character boundary (never inside a
// multibyte sequence, never inside an escape such as \" or \u001f).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fabomatic::backend {

/// Length of the well-formed UTF-8 sequence that starts text[pos] (1 to 4), or 0 when the bytes
/// there are not one (stray continuation byte, truncated or overlong sequence, surrogate, or a
/// code point above U+10FFFF). pos must be < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept;

/// True when the whole text is well-formed UTF-8 (U+0000 is allowed: JSON escapes it).
bool is_valid_utf8(std::string_view text) noexcept;

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
/// sequence. An ill-formed byte counts as a character of its own, so this never loops or
/// splits a valid sequence even on bad input.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

/// Copy of `text` with every ill-formed byte replaced by U+FFFD, so it can be sent as JSON.
std::string sanitize_utf8(std::string_view text);

/// ASCII-only lowercase (card ids are hex; other bytes, including UTF-8, are left as they are).
std::string ascii_lowercase(std::string_view text);

/// Bytes `text` takes between the quotes of a JSON string as append_json_string writes it.
std::size_t json_escaped_size(std::string_view text) noexcept;

/// Appends `text` as a JSON string literal: the quotes, then the escaped characters of the
/// longest prefix whose escaped form fits in `max_content_bytes` (the quotes are not counted).
/// Escapes `"`, `\` and control characters (\n style or \u00XX), writes other characters as
/// raw UTF-8 and ill-formed bytes as U+FFFD. Returns how many bytes of `text` were written.
std::size_t append_json_string(std::string& out, std::string_view text,
                               std::size_t max_content_bytes = std::string_view::npos);

/// A short, printable rendering of untrusted bytes for a log line: printable ASCII as is,
/// everything else as \xNN, cut after `max_bytes` input bytes with "..." appended.
std::string printable_excerpt(std::string_view bytes, std::size_t max_bytes = 80);

}  // namespace fabomatic::backend
