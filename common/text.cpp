#include "common/text.hpp"

#include <algorithm>
#include <cstdint>

namespace fabomatic::text {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHex[] = "0123456789abcdef";

bool is_continuation(unsigned char byte) noexcept {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const std::size_t available = text.size() - pos;
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;  // continuation byte, overlong 2-byte lead (C0, C1) or beyond U+10FFFF (F5..FF)
  }
  if (available < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(byte(i))) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (length == 3 && code < 0x800) return 0;                         // overlong
  if (length == 4 && (code < 0x10000 || code > 0x10FFFF)) return 0;  // overlong or too large
  if (code >= 0xD800 && code <= 0xDFFF) return 0;                    // UTF-16 surrogate
  return length;
}

Utf8Status check_utf8(std::string_view text) noexcept {
  bool has_null = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {  // ASCII fast path: most topics and payloads are ASCII only
      has_null |= (c == 0);
      ++pos;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) return Utf8Status::invalid;
    pos += length;
  }
  return has_null ? Utf8Status::null_char : Utf8Status::valid;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  std::size_t end = 0;
  while (end < text.size()) {
    const std::size_t length = utf8_sequence_length(text, end);
    const std::size_t step = length == 0 ? 1 : length;
    if (end + step > max_bytes) break;
    end += step;
  }
  return text.substr(0, end);
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) {
      out += kReplacement;
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

std::size_t utf8_length(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return !is_continuation(static_cast<unsigned char>(c));
  }));
}

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool iless(std::string_view a, std::string_view b) noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return ascii_lower(x) < ascii_lower(y);
  });
}

std::string printable_excerpt(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  const std::size_t shown = std::min(bytes.size(), max_bytes);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  if (shown < bytes.size()) out += "...";
  return out;
}

namespace {
/// The length in bytes of the Unicode space (as trim_spaces() lists them) that `text` starts
/// with, 0 when it starts with something else.
std::size_t leading_space(std::string_view text) noexcept {
  if (text.empty()) return 0;
  if (is_blank(text[0])) return 1;
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if (text.size() >= 2 && at(0) == 0xC2 && at(1) == 0xA0) return 2;  // U+00A0
  if (text.size() < 3) return 0;
  if (at(0) == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;  // U+1680
  if (at(0) == 0xE2 && at(1) == 0x80 && (at(2) <= 0x8A || at(2) == 0xAF))
    return 3;                                                     // U+2000-200A, U+202F
  if (at(0) == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;  // U+205F
  if (at(0) == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

/// The same for the space `text` ends with.
std::size_t trailing_space(std::string_view text) noexcept {
  for (std::size_t n = 1; n <= 3 && n <= text.size(); ++n) {
    if (leading_space(text.substr(text.size() - n)) == n) return n;
  }
  return 0;
}
}  // namespace

std::string_view trim_spaces(std::string_view text) noexcept {
  while (const std::size_t n = leading_space(text))
    text.remove_prefix(n);
  while (const std::size_t n = trailing_space(text))
    text.remove_suffix(n);
  return text;
}

bool plausible_email(std::string_view email) noexcept {
  const auto at = email.find('@');
  return email.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string_view::npos &&
         email.find_first_of(" <>,;\"") == std::string_view::npos &&
         std::none_of(email.begin(), email.end(), is_control);
}

bool has_format_control(std::string_view text, bool line_breaks) noexcept {
  // The lead bytes compared below never occur as continuation bytes, so a byte-wise scan of
  // valid UTF-8 finds exactly these characters.
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (at(i) == 0xC2 && at(i + 1) >= 0x80 && at(i + 1) <= 0x9F) return true;  // C1
    if (i + 2 >= text.size()) continue;
    if (at(i) == 0xE2 && at(i + 1) == 0x80) {
      const unsigned char last = at(i + 2);
      if ((last == 0xA8 || last == 0xA9) && !line_breaks) return true;  // U+2028, U+2029
      if (last >= 0xAA && last <= 0xAE) return true;                    // U+202A-202E
    }
    if (at(i) == 0xE2 && at(i + 1) == 0x81 && at(i + 2) >= 0xA6 && at(i + 2) <= 0xA9) {
      return true;  // U+2066-2069
    }
    if (at(i) == 0xEF && at(i + 1) == 0xBB && at(i + 2) == 0xBF) return true;  // U+FEFF
  }
  return false;
}

}  // namespace fabomatic::text
