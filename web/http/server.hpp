// The portal's HTTPS/1.1 server on an io_context it is given (no threads of its own): TLS 1.2+,
// keep-alive, size limits and timeouts against slow or hostile clients, a connection limit,
// WebSocket upgrades, and optionally a plain-HTTP port that only redirects to HTTPS.
// Beast stays in the .cpp files: including this header costs little.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "web/http/router.hpp"

namespace boost::asio {
class io_context;
}

namespace fabomatic::certs {
struct Material;
}

namespace fabomatic::web {

/// Requests answered, by status class, and how long they took from the complete request to
/// the response handed to TLS (queueing for the reactor included). Written on the server's
/// thread, read anywhere (/metrics).
struct HttpStats {
  static constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                              0.025,  0.05,  0.1,    0.25,  1.0};
  std::atomic<std::uint64_t> responses[5] = {};                                   // 1xx .. 5xx
  std::atomic<std::uint64_t> latency_counts[std::size(kLatencyBounds) + 1] = {};  // last: +Inf
  std::atomic<std::uint64_t> latency_sum_us{0};

  void record(int status, std::chrono::steady_clock::duration took);
};

struct ServerOptions {
  std::string bind_address = "0.0.0.0";  // [web] bind address
  std::uint16_t port = 23336;            // [web] port; 0 picks a free port (tests)
  /// Plain-HTTP port that answers every request with 308 to the HTTPS URL; unset: none.
  std::optional<std::uint16_t> redirect_port;

  std::size_t header_limit = 8 * 1024;   // request line + headers; more: 431
  std::size_t body_limit = 1024 * 1024;  // default request body limit; more: 413
  std::size_t max_connections = 512;     // HTTPS + WebSocket + redirect; more: closed at once
  /// The same, per remote address (0: no limit). A browser holds about seven (six HTTP/1.1
  /// connections and the live WebSocket per tab); a reverse proxy in front holds them all.
  std::size_t max_connections_per_address = 0;
  /// Request bodies held in memory at once, all connections together (each reserves its
  /// Content-Length, or its route's limit when chunked, until answered); more: 503. Without it,
  /// every allowed connection sending a large body slowly could pin max_connections times the
  /// body limit — half a gigabyte on a Raspberry Pi.
  std::size_t body_memory_limit = 32 * 1024 * 1024;

  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
  std::chrono::milliseconds header_timeout{10'000};     // first byte to end of headers
  std::chrono::milliseconds body_timeout{30'000};       // the whole body, plus:
  /// Bytes per second a body may arrive at, at the slowest: a body gets body_timeout plus its
  /// size (its route's limit when chunked) at this rate. 0: body_timeout alone.
  std::size_t body_min_rate = 128 * 1024;
  std::chrono::milliseconds write_timeout{30'000};  // the whole response
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  /// After an error answer with an unread body: how long to keep reading (and discarding) so
  /// that the client sees the answer instead of a connection reset.
  std::chrono::milliseconds linger_timeout{2'000};

  /// WebSocket: a ping after half of this without traffic, closed after all of it.
  std::chrono::milliseconds websocket_idle_timeout{30'000};
  std::size_t websocket_queue_limit = 1024 * 1024;  // bytes queued for one slow client
  std::size_t websocket_message_limit = 64 * 1024;  // largest message accepted from a client

  log::Sink log;  // unset: stderr

  /// Where route handlers and WebSocket route callbacks run. Unset: inline, on the thread
  /// running the server's io_context. Set: each call is handed to this function (the appliance
  /// queues it on the reactor that owns the database and the live status) while TLS, parsing
  /// and writing stay on the server's io_context — on its own thread, so the portal's crypto
  /// never competes with the boards for the reactor. Called on the server's thread.
  std::function<void(std::function<void()>)> app;

  /// Counters of answered requests; unset: none kept. Must outlive the server.
  HttpStats* stats = nullptr;
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
  /// Stops accepting and closes every connection. Call on the thread running the server's
  /// io_context, or while it is not running.
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
