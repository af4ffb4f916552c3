#include "web/http/websocket_handshake.hpp"

#include <algorithm>

namespace fabomatic::web {

namespace {

bool is_base64_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

/// 16 bytes in base64 are 22 digits and "==" (RFC 4648 4).
bool is_nonce(std::string_view key) {
  return key.size() == 24 && key.ends_with("==") &&
         std::all_of(key.begin(), key.begin() + 22, is_base64_digit);
}

}  // namespace

std::optional<Response> websocket_handshake_refusal(std::string_view version,
                                                    std::string_view key) {
  if (version.empty()) {
    return Response::error(400, "bad_request", "Sec-WebSocket-Version is missing");
  }
  if (version != "13") {
    Response refusal =
        Response::error(426, "upgrade_required", "this server speaks WebSocket version 13");
    refusal.headers.set("Sec-WebSocket-Version", "13");
    return refusal;
  }
  if (!is_nonce(key)) {
    return Response::error(400, "bad_request",
                           "Sec-WebSocket-Key must be a 16-byte nonce in base64");
  }
  return std::nullopt;
}

}  // namespace fabomatic::web
