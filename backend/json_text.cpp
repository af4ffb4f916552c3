#include "backend/json_text.hpp"

#include <array>
#include <cstdint>

#include "common/text.hpp"

namespace fabomatic::backend {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD, 3 bytes
constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

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
  const std::size_t length = text::utf8_sequence_length(text, pos);
  if (length == 0) return {1, kReplacement.size(), false};
  return {length, length, true};
}

}  // namespace

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

}  // namespace fabomatic::backend
