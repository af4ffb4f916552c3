// The live WebSocket (/api/v1/live): each client gets a snapshot of every machine, then every
// change of the live status as it happens, and a heartbeat so the page can tell a dead link.
// A slow client is dropped by its session's bounded queue; nobody else waits for it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "web/http/router.hpp"

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

  /// The route to register at /api/v1/live; `authorize` decides the upgrade (session check),
  /// `still_valid` is asked again for each open client at every heartbeat: a client whose
  /// session ended (logout, expiry, account disabled) is closed then. `keep_alive` is called
  /// with a client's upgrade request when the client says its page is on screen
  /// ({"type":"visible"}, sent with each heartbeat): a dashboard someone looks at keeps its
  /// session, a forgotten tab in the background does not.
  WebSocketRoute route(std::function<std::optional<Response>(const Request&)> authorize,
                       std::function<bool(const Request&)> still_valid,
                       std::function<void(const Request&)> keep_alive = {});

  /// Sends a message to every client (remote start/stop outcomes, say).
  void broadcast(const std::string& text);

  /// {"type":"heartbeat","time":...} to every client; called periodically. Re-checks every
  /// client's session first (see close_unauthorized()).
  void heartbeat();

  /// Closes the clients whose session no longer stands; called at each heartbeat and when
  /// sessions end (logout, password change, account disabled).
  void close_unauthorized();

  std::size_t clients() const { return sessions_.size(); }
  std::uint64_t messages_sent() const { return sent_; }

 private:
  void open(const std::shared_ptr<WebSocketSession>& session, const Request& request);
  void on_message(const WebSocketSession& session, std::string_view text);

  struct Client {
    std::weak_ptr<WebSocketSession> session;
    Request upgrade;  // its cookie is re-checked at each heartbeat
  };
  std::string snapshot() const;

  backend::LiveStatus& status_;
  Clock clock_;
  int listener_ = 0;
  std::function<bool(const Request&)> still_valid_;
  std::function<void(const Request&)> keep_alive_;
  std::map<std::uint64_t, Client> sessions_;
  std::uint64_t sent_ = 0;
};

}  // namespace fabomatic::web
