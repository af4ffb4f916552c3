// The live WebSocket (/api/v1/live): each client gets a snapshot of every machine, then every
// change of the live status as it happens, and a heartbeat so the page can tell a dead link.
// A slow client is dropped by its session's bounded queue; nobody else waits for it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "web/router.hpp"

namespace fabomatic::backend {
class LiveStatus;
}

namespace fabomatic::web {

class WebSocketSession;

class LiveHub {
 public:
  using Clock = std::function<double()>;  // unix seconds

  LiveHub(backend::LiveStatus& status, Clock clock);
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  /// The route to register at /api/v1/live; `authorize` decides the upgrade (session check).
  WebSocketRoute route(std::function<std::optional<Response>(const Request&)> authorize);

  /// Sends a message to every client (remote start/stop outcomes, say).
  void broadcast(const std::string& text);

  /// {"type":"heartbeat","time":...} to every client; called periodically.
  void heartbeat();

  std::size_t clients() const { return sessions_.size(); }
  std::uint64_t messages_sent() const { return sent_; }

 private:
  void open(const std::shared_ptr<WebSocketSession>& session);
  std::string snapshot() const;

  backend::LiveStatus& status_;
  Clock clock_;
  int listener_ = 0;
  std::map<std::uint64_t, std::weak_ptr<WebSocketSession>> sessions_;
  std::uint64_t sent_ = 0;
};

}  // namespace fabomatic::web
