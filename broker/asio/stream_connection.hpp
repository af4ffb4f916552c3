// MQTT clients over TLS, over WebSocket (ws://, for browsers and Node-RED) and over WebSocket
// and TLS (wss://): the Transport the broker core talks to, bound to an Asio/Beast stream. The
// same core, accounts and ACL serve them as the plain TCP listener's clients.
//
// Unlike TcpConnection (which owns no read buffer, so that thousands of idle boards cost little)
// each of these keeps a small read buffer: TLS and WebSocket framing must be read through
// their stream objects anyway, and their clients are few. A connection is attached to the core
// when it is accepted, before its TLS or WebSocket handshake: the core's CONNECT timeout then
// bounds a client that never completes it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>

namespace boost::asio::ssl {
class context;
}

namespace fabomatic::broker {

class Broker;

/// How a stream connection frames MQTT.
enum class StreamKind : std::uint8_t { tls, websocket, websocket_tls };

/// Starts serving an accepted socket of the given kind. `tls` is required for tls and
/// websocket_tls, and must outlive the connection.
void start_stream_connection(StreamKind kind, boost::asio::ip::tcp::socket socket, Broker& broker,
                             boost::asio::ssl::context* tls);

}  // namespace fabomatic::broker
