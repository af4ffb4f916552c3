// Which WebSocket subprotocol an MQTT listener answers (MQTT 3.1.1 section 6, RFC 6455 4.2.2).
#pragma once

#include <span>
#include <string_view>

namespace fabomatic::broker {

/// The subprotocol to answer for the Sec-WebSocket-Protocol header lines of an upgrade request
/// (each a comma-separated list; several lines count as one list, RFC 6455 11.3.4): "mqtt" when
/// offered (MQTT-6.0.0-4), else "mqttv3.1" (MQTT 3.1 clients), else none — never a name the
/// client did not offer, which a browser would fail the connection for. Names are compared whole
/// and case-sensitively: "xmqtt" or "mqttv5" are not "mqtt".
std::string_view choose_websocket_subprotocol(std::span<const std::string_view> offered_lines);

}  // namespace fabomatic::broker
