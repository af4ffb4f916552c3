// Base64 with the standard alphabet (RFC 4648 section 4): Mosquitto's password hashes, the
// WebSocket handshake's key and e-mail bodies all use it. One implementation, no dependency, so
// the broker can use it too.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fabomatic::base64 {

/// `bytes` in base64, padded with '=' to a multiple of 4 characters.
std::string encode(std::string_view bytes);

/// The bytes `text` stands for, or nothing when it is not base64: a character outside the
/// alphabet, data after '=', more than two '=' or padding that does not end a 4-character
/// group. Padding may be left out (Mosquitto's files and many tools do).
std::optional<std::string> decode(std::string_view text);

}  // namespace fabomatic::base64
