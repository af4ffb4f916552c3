#include "backend/text.hpp"

#include <array>
#include <cstdint>

namespace fabomatic::backend {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD, 3 bytes
constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

/// Escaped size of one ASCII byte inside a JSON string.
std::size_t escaped_ascii_size(unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
    case '\b':
    case '\f':
    case '\n':
    case '\r':
    case '\t':
      return 2;
    default:
      return c < 0x20 ? 6 : 1;
  }
}

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
  }
}

/// One character of the input as JSON sees it: its input length and its escaped output size.
struct Char {
  std::size_t input_bytes;
  std::size_t output_bytes;
  bool valid;
};

Char next_char(std::string_view text, std::size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) return {1, escaped_ascii_size(c), true};
  const std::size_t length = utf8_sequence_length(text, pos);
  if (length == 0) return {1, kReplacement.size(), false};
  return {length, length, true};
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

bool is_valid_utf8(std::string_view text) noexcept {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_length(text, pos);
    if (length == 0) return false;
    pos += length;
  }
  return true;
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

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::size_t json_escaped_size(std::string_view text) noexcept {
  std::size_t size = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const Char ch = next_char(text, pos);
    size += ch.output_bytes;
    pos += ch.input_bytes;
  }
  return size;
}

std::size_t append_json_string(std::string& out, std::string_view text,
                               std::size_t max_content_bytes) {
  out += '"';
  std::size_t used = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const Char ch = next_char(text, pos);
    if (ch.output_bytes > max_content_bytes - used) break;
    if (!ch.valid) {
      out += kReplacement;
    } else if (ch.input_bytes == 1) {
      append_escaped_ascii(out, static_cast<unsigned char>(text[pos]));
    } else {
      out.append(text.substr(pos, ch.input_bytes));
    }
    used += ch.output_bytes;
    pos += ch.input_bytes;
  }
  out += '"';
  return pos;
}

std::string printable_excerpt(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  const std::size_t shown = bytes.size() < max_bytes ? bytes.size() : max_bytes;
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

}  // namespace fabomatic::backend
