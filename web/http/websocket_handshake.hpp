// What RFC 6455 (4.2.1) asks of a client's opening handshake that Beast's accept lets through:
// version 13 and a key of 16 bytes in base64. Checked before the upgrade so that a refusal is
// an answer in the API's error shape rather than Beast's plain text.
#pragma once

#include <optional>
#include <string_view>

#include "web/http/http_message.hpp"

namespace fabomatic::web {

/// The refusal of an upgrade request with these Sec-WebSocket-Version and Sec-WebSocket-Key
/// values (426 with the version we speak, or 400), or nothing when they are right.
std::optional<Response> websocket_handshake_refusal(std::string_view version, std::string_view key);

}  // namespace fabomatic::web
