#include "web/live/hub.hpp"

#include <nlohmann/json.hpp>

#include "backend/live_status.hpp"
#include "web/http/websocket_session.hpp"
#include "web/live/status_json.hpp"

namespace fabomatic::web {

LiveHub::LiveHub(backend::LiveStatus& status, Clock clock)
    : status_(status), clock_(std::move(clock)) {
  listener_ = status_.add_listener([this](const backend::LiveEvent& event) {
    // Called for board messages: no JSON is built while no page is watching.
    if (!sessions_.empty()) broadcast(live_event_json(event).dump());
  });
}

LiveHub::~LiveHub() {
  status_.remove_listener(listener_);
}

WebSocketRoute LiveHub::route(std::function<std::optional<Response>(const Request&)> authorize,
                              std::function<bool(const Request&)> still_valid,
                              std::function<void(const Request&)> keep_alive) {
  still_valid_ = std::move(still_valid);
  keep_alive_ = std::move(keep_alive);
  WebSocketRoute route;
  route.authorize = std::move(authorize);
  route.on_open = [this](const std::shared_ptr<WebSocketSession>& session, const Request& request) {
    open(session, request);
  };
  route.on_message = [this](WebSocketSession& session, std::string_view text) {
    on_message(session, text);
  };
  route.on_close = [this](WebSocketSession& session) { sessions_.erase(session.id()); };
  return route;
}

void LiveHub::open(const std::shared_ptr<WebSocketSession>& session, const Request& request) {
  Request upgrade;  // only what identifies the session: no body, no query
  upgrade.headers = request.headers;
  upgrade.remote_address = request.remote_address;
  sessions_[session->id()] = Client{session, std::move(upgrade)};
  if (session->send(snapshot())) ++sent_;
}

void LiveHub::on_message(const WebSocketSession& session, std::string_view text) {
  // Anything but {"type":"visible"} is ignored: the link carries nothing else from the page.
  const auto message = nlohmann::json::parse(text, nullptr, false);
  if (!message.is_object()) return;
  const auto type = message.find("type");
  if (type == message.end() || !type->is_string() || *type != "visible") return;
  const auto client = sessions_.find(session.id());
  if (client != sessions_.end() && keep_alive_) keep_alive_(client->second.upgrade);
}

std::string LiveHub::snapshot() const {
  nlohmann::ordered_json machines = nlohmann::ordered_json::array();
  for (const auto& m : status_.snapshot())
    machines.push_back(machine_status_json(m));
  return nlohmann::ordered_json{
      {"type", "snapshot"}, {"time", clock_()}, {"machines", std::move(machines)}}
      .dump();
}

void LiveHub::broadcast(const std::string& text) {
  // Collect first: sending may close a session, whose on_close edits sessions_.
  std::vector<std::shared_ptr<WebSocketSession>> open;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto session = it->second.session.lock();
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

void LiveHub::close_unauthorized() {
  if (!still_valid_) return;
  std::vector<std::shared_ptr<WebSocketSession>> ended;
  for (const auto& [id, client] : sessions_) {
    auto session = client.session.lock();
    if (session && session->is_open() && !still_valid_(client.upgrade)) {
      ended.push_back(std::move(session));
    }
  }
  for (const auto& session : ended)
    session->close_session_ended();  // its on_close removes it from sessions_
}

void LiveHub::heartbeat() {
  close_unauthorized();
  broadcast(nlohmann::json{{"type", "heartbeat"}, {"time", clock_()}}.dump());
}

}  // namespace fabomatic::web
