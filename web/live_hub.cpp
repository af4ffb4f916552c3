#include "web/live_hub.hpp"

#include <nlohmann/json.hpp>

#include "backend/live_status.hpp"
#include "web/live_json.hpp"
#include "web/websocket_session.hpp"

namespace fabomatic::web {

LiveHub::LiveHub(backend::LiveStatus& status, Clock clock)
    : status_(status), clock_(std::move(clock)) {
  listener_ = status_.add_listener(
      [this](const backend::LiveEvent& event) { broadcast(live_event_json(event).dump()); });
}

LiveHub::~LiveHub() {
  status_.remove_listener(listener_);
}

WebSocketRoute LiveHub::route(std::function<std::optional<Response>(const Request&)> authorize) {
  WebSocketRoute route;
  route.authorize = std::move(authorize);
  route.on_open = [this](const std::shared_ptr<WebSocketSession>& session, const Request&) {
    open(session);
  };
  route.on_close = [this](WebSocketSession& session) { sessions_.erase(session.id()); };
  return route;
}

void LiveHub::open(const std::shared_ptr<WebSocketSession>& session) {
  sessions_[session->id()] = session;
  if (session->send(snapshot())) ++sent_;
}

std::string LiveHub::snapshot() const {
  nlohmann::json machines = nlohmann::json::array();
  for (const auto& m : status_.snapshot())
    machines.push_back(machine_status_json(m));
  return nlohmann::json{{"type", "snapshot"}, {"time", clock_()}, {"machines", machines}}.dump();
}

void LiveHub::broadcast(const std::string& text) {
  // Collect first: sending may close a session, whose on_close edits sessions_.
  std::vector<std::shared_ptr<WebSocketSession>> open;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto session = it->second.lock();
    if (!session || !session->is_open()) {
      it = sessions_.erase(it);
    } else {
      open.push_back(std::move(session));
      ++it;
    }
  }
  for (const auto& session : open) {
    if (session->send(text)) ++sent_;  // false: dropped for being too slow
  }
}

void LiveHub::heartbeat() {
  broadcast(nlohmann::json{{"type", "heartbeat"}, {"time", clock_()}}.dump());
}

}  // namespace fabomatic::web
