// CONNECT, DISCONNECT, takeover, wills and the end of connections (MQTT 3.1.1 sections 3.1,
// 3.2, 3.14 and 4.1).
#include <random>

#include "broker/core/broker.hpp"

namespace fabomatic::broker {

namespace {
// MQTT 3.1 limited client identifiers to 23 characters; Mosquitto still enforces it.
constexpr std::size_t kMqtt31MaxClientId = 23;
}  // namespace

std::string Broker::assign_client_id() {
  // MQTT-3.1.3-6: a zero-length id with clean session gets a unique one from the server.
  static std::mt19937_64 random{std::random_device{}()};
  char id[40];
  std::snprintf(id, sizeof id, "auto-%016llx-%llu", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(++assigned_ids_));
  return id;
}

void Broker::handle_connect(ClientConnection& client, const ConnectPacket& packet) {
  client.protocol_level = packet.protocol_level;
  client.username = packet.has_username ? std::string(packet.username) : std::string();

  std::string client_id(packet.client_id);
  if (client_id.empty()) {
    // MQTT-3.1.3-8: a zero-length id needs clean session; MQTT 3.1 did not allow it at all.
    if (!packet.clean_session || packet.protocol_level == 3) {
      reject_connect(client, ConnectReturnCode::identifier_rejected);
      return;
    }
    client_id = assign_client_id();
  } else if (packet.protocol_level == 3 && client_id.size() > kMqtt31MaxClientId) {
    reject_connect(client, ConnectReturnCode::identifier_rejected);
    return;
  }

  if (const auto& hooks = hooks_for(HookEvent::authenticate); !hooks.empty()) {
    Credentials credentials;
    if (packet.has_username) credentials.username = packet.username;
    if (packet.has_password) credentials.password = packet.password;
    ClientInfo who = info(client);
    who.client_id = client_id;
    for (BrokerHooks* hook : hooks) {
      const ConnectReturnCode verdict = hook->authenticate(who, credentials);
      if (verdict != ConnectReturnCode::accepted) {
        log(log::Level::info, "refused client " + client_id + " from " + client.remote_address);
        reject_connect(client, verdict);
        return;
      }
    }
  }

  Session* session = sessions_->find(std::string_view(client_id));
  if (session && session->connection) {
    // MQTT-3.1.4-2: the existing connection with this id is closed. Its session survives the
    // close only if it was persistent.
    log(log::Level::info,
        "client " + client_id + " taken over by a new connection from " + client.remote_address);
    ClientConnection& old = *session->connection;
    const bool was_clean = session->clean;
    close_client(old, true, "");
    if (was_clean) session = nullptr;  // ended with the old connection
  }
  bool session_present = false;
  if (session && packet.clean_session) {
    discard_session(*session);  // MQTT-3.1.2-6: a clean session starts from nothing
    session = nullptr;
  }
  if (session) {
    session_present = true;  // MQTT-3.2.2-2
    session->clean = false;
  } else {
    session = &sessions_->create(client_id, packet.clean_session);
  }

  session->connection = &client;
  session->last_progress = now_;
  client.session = session;
  client.connected = true;
  client.keep_alive = packet.keep_alive;
  if (packet.has_will) {
    client.will = make_message(std::string(packet.will.topic), std::string(packet.will.message),
                               packet.will.qos, packet.will.retain);
  }
  ++connected_;

  std::string out;
  encode(ConnackPacket{session_present, ConnectReturnCode::accepted}, out);
  send(client, out);
  log(log::Level::debug, "client " + client_id + " connected from " + client.remote_address);
  if (session_present) resume_session(*session);
  for (BrokerHooks* hook : hooks_for(HookEvent::connected))
    hook->on_connected(info(client));
}

void Broker::reject_connect(ClientConnection& client, ConnectReturnCode code) {
  // MQTT-3.2.2-4/-5: session present 0 and the connection closed after a refusal.
  std::string out;
  encode(ConnackPacket{false, code}, out);
  send(client, out);
  close_client(client, false, "");
}

void Broker::close_client(ClientConnection& client, bool publish_will, std::string_view reason) {
  if (client.index >= connections_.size() || connections_[client.index].get() != &client) {
    return;  // already closed
  }
  if (!reason.empty()) {
    const std::string who = client.session ? client.session->client_id : client.remote_address;
    log(log::Level::info, "closing " + who + ": " + std::string(reason));
  }
  if (client.transport) {
    Transport* transport = client.transport;
    client.transport = nullptr;
    transport->close();
  }
  MessagePtr will = std::move(client.will);
  if (client.connected) end_session_connection(client, !publish_will);
  client.connected = false;

  // Out of the live list (swap with the last), freed when the outermost call returns.
  const std::size_t index = client.index;
  std::swap(connections_[index], connections_.back());
  connections_[index]->index = index;
  closed_.push_back(std::move(connections_.back()));
  connections_.pop_back();

  // MQTT-3.1.2-8: the will is published when the connection ends without DISCONNECT.
  if (publish_will && will) route(will);
}

void Broker::end_session_connection(ClientConnection& client, bool graceful) {
  Session* session = client.session;
  for (BrokerHooks* hook : hooks_for(HookEvent::disconnected))
    hook->on_disconnected(info(client), graceful);
  --connected_;
  client.session = nullptr;
  if (!session) return;
  session->connection = nullptr;
  if (session->clean) discard_session(*session);  // MQTT-3.1.2-6
}

void Broker::discard_session(Session& session) {
  for (const auto& [filter, qos] : session.subscriptions) {
    subscriptions_.remove(filter, session.id);
  }
  if (session.connection) session.connection->session = nullptr;
  sessions_->erase(session);
}

}  // namespace fabomatic::broker
