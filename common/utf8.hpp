// UTF-8 validation as MQTT 3.1.1 requires it for every string field (section 1.5.3).
#pragma once

#include <string_view>

namespace fabomatic::broker {

enum class Utf8Status {
  valid,
  invalid,    // ill-formed UTF-8 or a surrogate code point (MQTT-1.5.3-1)
  null_char,  // contains U+0000 (MQTT-1.5.3-2)
};

/// Checks a whole string: well-formed (no overlong forms, no surrogates, nothing above
/// U+10FFFF) and free of U+0000.
Utf8Status check_utf8(std::string_view text) noexcept;

}  // namespace fabomatic::broker
