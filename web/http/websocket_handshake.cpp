#include "web/http/websocket_handshake.hpp"

#include "common/base64.hpp"

namespace fabomatic::web {

namespace {

/// RFC 6455 4.1: a 16-byte value in base64, padded (24 characters).
bool is_nonce(std::string_view key) {
  const auto nonce = base64::decode(key);
  return key.size() == 24 && nonce && nonce->size() == 16;
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
