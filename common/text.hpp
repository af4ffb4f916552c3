// Text helpers every folder shares, written once: UTF-8 validity and character boundaries
// (MQTT strings, board payloads, JSON answers, mail subjects), ASCII case (card ids, e-mail
// addresses, header names, settings keys) and printable excerpts of untrusted bytes for logs.
// ASCII-only case mapping on purpose: card ids are hex, header and key names ASCII, and a
// locale-dependent tolower() would make "I" and "ı" differ by where the appliance runs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fabomatic::text {

enum class Utf8Status {
  valid,
  invalid,    // ill-formed: overlong, surrogate, above U+10FFFF, stray or missing continuation
  null_char,  // well-formed but contains U+0000 (refused by MQTT, MQTT-1.5.3-2)
};

/// Checks a whole string (with an ASCII fast path: it runs on every MQTT string field).
Utf8Status check_utf8(std::string_view text) noexcept;

/// True when the whole text is well-formed UTF-8 (U+0000 allowed: JSON escapes it).
inline bool is_valid_utf8(std::string_view text) noexcept {
  return check_utf8(text) != Utf8Status::invalid;
}

/// Length of the well-formed UTF-8 sequence that starts text[pos] (1 to 4), or 0 when the bytes
/// there are not one. pos must be < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept;

/// The longest prefix of at most `max_bytes` bytes that does not end inside a UTF-8 sequence.
/// An ill-formed byte counts as a character of its own, so bad input never loops or splits a
/// valid sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

/// Copy of `text` with every ill-formed byte replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

/// Characters (code points) in well-formed UTF-8 `text`: the bytes that are not continuations.
std::size_t utf8_length(std::string_view text) noexcept;

/// 'A'..'Z' to 'a'..'z'; every other byte (UTF-8 included) unchanged.
constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with ascii_lower() applied to every byte.
std::string ascii_lowercase(std::string_view text);

/// Equality ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Ordering ignoring ASCII case (ties are not broken: "a" and "A" are equivalent).
bool iless(std::string_view a, std::string_view b) noexcept;

/// True for the ASCII blanks a line-oriented format or a header list may pad with: space, tab,
/// carriage return, line feed.
constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// True for the ASCII control characters (C0 and DEL): what has no place in a name, a card or a
/// log line, where it could break the line or drive a terminal.
constexpr bool is_control(char c) noexcept {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
}

/// True when UTF-8 `text` holds a character that changes how the rest reads without being seen:
/// a C1 control (U+0080-009F), the line or paragraph separator (U+2028, U+2029) unless
/// `line_breaks` allows them, a bidirectional embedding, override or isolate (U+202A-202E,
/// U+2066-2069: text shown in another order than it is stored, "Trojan Source") or U+FEFF (a
/// "zero width no-break space" that makes "\uFEFFadmins" look like "admins").
bool has_format_control(std::string_view text, bool line_breaks) noexcept;

/// `text` without leading and trailing is_blank() characters.
constexpr std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

/// `text` (UTF-8) without leading and trailing blanks, ASCII (is_blank()) or Unicode spaces:
/// U+00A0 (no-break), U+1680, U+2000-200A, U+202F, U+205F, U+3000. A name of a no-break space
/// alone, pasted from a web page, looks empty and is empty.
std::string_view trim_spaces(std::string_view text) noexcept;

/// An address mail can be sent to, as far as can be told without sending: one '@' with text on
/// both sides, no space, control character or character that separates addresses in a header
/// (<>,;"), at most 254 bytes (RFC 5321's path limit).
bool plausible_email(std::string_view email) noexcept;

/// A short, printable rendering of untrusted bytes for a log line: printable ASCII as is,
/// everything else as \xNN, cut after `max_bytes` input bytes with "..." appended.
std::string printable_excerpt(std::string_view bytes, std::size_t max_bytes = 80);

}  // namespace fabomatic::text
