// The portal's HTTPS/1.1 server on the broker's io_context (no threads of its own): TLS 1.2+,
// keep-alive, size limits and timeouts against slow or hostile clients, a connection limit,
// WebSocket upgrades, and optionally a plain-HTTP port that only redirects to HTTPS.
// Beast stays in the .cpp files: including this header costs little.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "web/log_sink.hpp"
#include "web/router.hpp"

namespace boost::asio {
class io_context;
}

namespace fabomatic::certs {
struct Material;
}

namespace fabomatic::web {

struct ServerOptions {
  std::string bind_address = "0.0.0.0";  // [web] bind address
  std::uint16_t port = 23336;            // [web] port; 0 picks a free port (tests)
  /// Plain-HTTP port that answers every request with 308 to the HTTPS URL; unset: none.
  std::optional<std::uint16_t> redirect_port;

  std::size_t header_limit = 8 * 1024;   // request line + headers; more: 431
  std::size_t body_limit = 1024 * 1024;  // default request body limit; more: 413
  std::size_t max_connections = 512;     // HTTPS + WebSocket + redirect; more: closed at once

  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
  std::chrono::milliseconds header_timeout{10'000};     // first byte to end of headers
  std::chrono::milliseconds body_timeout{30'000};       // the whole body
  std::chrono::milliseconds write_timeout{30'000};      // the whole response
  std::chrono::milliseconds idle_timeout{60'000};       // keep-alive wait for the next request
  /// After an error answer with an unread body: how long to keep reading (and discarding) so
  /// that the client sees the answer instead of a connection reset.
  std::chrono::milliseconds linger_timeout{2'000};

  /// WebSocket: a ping after half of this without traffic, closed after all of it.
  std::chrono::milliseconds websocket_idle_timeout{30'000};
  std::size_t websocket_queue_limit = 1024 * 1024;  // bytes queued for one slow client
  std::size_t websocket_message_limit = 64 * 1024;  // largest message accepted from a client

  LogFunction log;  // unset: stderr
};

class Server {
 public:
  /// Builds the TLS context from `tls` (throws std::system_error on an unusable pair).
  Server(boost::asio::io_context& io, const certs::Material& tls, Router router,
         ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts accepting. Throws std::system_error (address in use, bad address).
  void start();
  /// Stops accepting and closes every connection. Call on the reactor thread, or while the
  /// io_context is not running.
  void stop();

  /// The bound HTTPS port (the real one when 0 was configured); 0 before start().
  std::uint16_t port() const;
  std::optional<std::uint16_t> redirect_port() const;
  /// Open connections of every kind (also while TLS handshakes run). Any thread.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::web
