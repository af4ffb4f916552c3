#include "common/utf8.hpp"

#include <cstdint>

namespace fabomatic::broker {

Utf8Status check_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  bool has_null = false;
  while (p < end) {
    const std::uint8_t c = *p;
    if (c < 0x80) {  // ASCII fast path
      has_null |= (c == 0);
      ++p;
      continue;
    }
    int extra = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return Utf8Status::invalid;  // continuation byte or 0xF8..0xFF as a lead byte
    }
    if (end - p <= extra) return Utf8Status::invalid;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return Utf8Status::invalid;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return Utf8Status::invalid;  // overlong encoding
    if (cp >= 0xD800 && cp <= 0xDFFF) return Utf8Status::invalid;
    if (cp > 0x10FFFF) return Utf8Status::invalid;
    p += extra + 1;
  }
  return has_null ? Utf8Status::null_char : Utf8Status::valid;
}

}  // namespace fabomatic::broker
