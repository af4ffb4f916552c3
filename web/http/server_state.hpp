// What every connection of a Server shares (internal to web/): options, routes, the TLS
// context and the registry of live connections. Connections hold it by shared_ptr, so it
// outlives the Server object for as long as any of them still runs.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "web/http/server.hpp"

namespace fabomatic::web::detail {

/// A live connection the server can cut (Server::stop()).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close_now() = 0;
};

struct ServerState {
  ServerState(ServerOptions options, Router router, boost::asio::ssl::context tls)
      : options(std::move(options)), router(std::move(router)), tls(std::move(tls)) {}

  ServerOptions options;
  Router router;
  boost::asio::ssl::context tls;
  std::uint16_t https_port = 0;
  std::atomic<std::size_t> connection_count{0};
  // See ServerOptions::body_memory_limit. Atomic: a session may end on another thread (the last
  // reference to it can be a finished handler's on the reactor).
  std::atomic<std::size_t> body_bytes_reserved{0};
  std::uint64_t next_id = 1;  // the acceptors' thread only
  bool stopped = false;

  /// Guards the two registries below: like body_bytes_reserved, a connection may end on another
  /// thread than the one that accepted it (its last reference was a finished handler's).
  std::mutex registry_mutex;
  /// What Server::stop() closes.
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
  /// Connections per remote address (ServerOptions::max_connections_per_address).
  std::unordered_map<std::string, std::size_t> per_address;

  /// Counts a connection from `address` unless that address is at its limit.
  bool admit_address(const std::string& address) {
    if (options.max_connections_per_address == 0) return true;
    const std::lock_guard lock(registry_mutex);
    auto& count = per_address[address];
    if (count >= options.max_connections_per_address) return false;
    ++count;
    return true;
  }
  void release_address(const std::string& address) {
    if (options.max_connections_per_address == 0) return;
    const std::lock_guard lock(registry_mutex);
    const auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }

  /// The connections still alive, for Server::stop() to close outside the lock (closing may
  /// end a connection, which unregisters itself).
  std::vector<std::shared_ptr<Connection>> live_connections() {
    std::vector<std::shared_ptr<Connection>> live;
    const std::lock_guard lock(registry_mutex);
    for (const auto& [id, weak] : connections) {
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
    return live;
  }

  /// Hands `work` to where handlers run (ServerOptions::app), or runs it now when unset.
  void run_app(std::function<void()> work) const {
    if (options.app) {
      options.app(std::move(work));
    } else {
      work();
    }
  }

  void log(fabomatic::log::Level level, std::string_view message) const {
    fabomatic::log::write_to(options.log, level, "web", message);
  }
};

/// Counts one connection from accept to its end and lets Server::stop() reach it. Moves with
/// the connection when an HTTPS session becomes a WebSocket session.
class ConnectionSlot {
 public:
  /// `address` must have been admitted by ServerState::admit_address.
  ConnectionSlot(std::shared_ptr<ServerState> state, std::string address)
      : state_(std::move(state)), address_(std::move(address)), id_(state_->next_id++) {
    ++state_->connection_count;
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : state_(std::move(other.state_)), address_(std::move(other.address_)), id_(other.id_) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() { release(); }

  /// The connection has ended even if its object lives on (a WebSocket session that route
  /// code still holds): it no longer counts against the limit.
  void release() {
    if (!state_) return;
    {
      const std::lock_guard lock(state_->registry_mutex);
      state_->connections.erase(id_);
    }
    --state_->connection_count;
    state_->release_address(address_);
    state_.reset();
  }

  void attach(std::weak_ptr<Connection> connection) {
    if (!state_) return;
    const std::lock_guard lock(state_->registry_mutex);
    state_->connections[id_] = std::move(connection);
  }
  std::uint64_t id() const { return id_; }

 private:
  std::shared_ptr<ServerState> state_;
  std::string address_;
  std::uint64_t id_;
};

}  // namespace fabomatic::web::detail
