// CONNECT, DISCONNECT, takeover, wills and the end of connections (MQTT 3.1.1 sections 3.1,
// 3.2, 3.14 and 4.1).
#include <algorithm>
#include <random>

#include "broker/core/broker.hpp"

namespace fabomatic::broker {

namespace {
// MQTT 3.1 limited client identifiers to 23 characters, to be refused with CONNACK 0x02 beyond;
// we keep that for 3.1 clients (Mosquitto 2.0 no longer does; 3.1.1 clients are not limited).
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

AuthResult Broker::authenticate(ClientConnection& client, const ConnectPacket& packet,
                                std::string_view client_id) {
  const auto& hooks = hooks_for(HookEvent::authenticate);
  if (hooks.empty()) return AuthResult::accept(nullptr, false);
  Credentials credentials;
  if (packet.has_username) credentials.username = packet.username;
  if (packet.has_password) credentials.password = packet.password;
  ClientInfo who = info(client);
  who.client_id = client_id;
  for (BrokerHooks* hook : hooks) {
    AuthResult verdict = hook->authenticate(who, credentials);
    if (verdict.verdict == AuthResult::Verdict::defer) continue;
    if (verdict.verdict == AuthResult::Verdict::accept) client.authority = hook;
    return verdict;
  }
  return AuthResult::accept(nullptr, false);  // nobody objects
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

  const AuthResult verdict = authenticate(client, packet, client_id);
  if (verdict.verdict == AuthResult::Verdict::refuse) {
    log(log::Level::info, "refused client " + client_id + " from " + client.remote_address +
                              (packet.has_username ? " (user " + client.username + ")" : ""));
    reject_connect(client, verdict.refusal);
    return;
  }
  client.access = verdict.access;
  client.as_account = verdict.as_account && packet.has_username;
  if (config_.use_username_as_clientid && client.as_account) client_id = client.username;

  ConnectReturnCode refusal = ConnectReturnCode::accepted;
  std::string key;
  Session* session = claim_session(client, client_id, packet.clean_session, key, refusal);
  if (refusal != ConnectReturnCode::accepted) {
    reject_connect(client, refusal);
    return;
  }
  const bool session_present = session != nullptr;  // MQTT-3.2.2-2
  if (!session) {
    if (!packet.clean_session && persistent_sessions_ >= config_.max_persistent_sessions &&
        !make_room_for_persistent_session()) {
      log(log::Level::warning, "refused client " + client_id + ": " +
                                   std::to_string(config_.max_persistent_sessions) +
                                   " persistent sessions, all online");
      reject_connect(client, ConnectReturnCode::server_unavailable);
      return;
    }
    session = &create_session(std::move(key), packet.clean_session,
                              client.as_account ? std::string_view(client.username) : "");
  }

  session->connection = &client;
  session->last_progress = now_;
  client.session = session;
  client.connected = true;
  forget_pending(client);
  client.last_activity = now_;
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

// The takeover rule (MQTT-3.1.4-2) with one exception. The specification closes the connection
// that holds a client id when another connects with it; that is right for a client coming back
// (its old connection may be half-open), and wrong for two devices that happen to share an id
// (two boards naming themselves BOARD<0..999>): they would take each other over without end.
// So the holder is taken over only by the same client — the same account, or for anonymous
// clients the same IP address. A clean-session client from another account or address keeps
// its own session beside the live one (both stay connected, the collision is logged and listed
// by shared_client_ids()); a persistent session of another account is never handed over.
//
// Returns the persistent session to resume, or null with `key` set to the key of a new one;
// sets `refusal` when the client cannot have the id.
Session* Broker::claim_session(ClientConnection& client, std::string_view client_id, bool clean,
                               std::string& key, ConnectReturnCode& refusal) {
  const std::string_view account = client.as_account ? std::string_view(client.username) : "";
  const std::string_view address = address_of(client.remote_address);
  const auto same_holder = [&](const Session& s) {
    if (s.account != account) return false;
    return !account.empty() || !s.connection || address_of(s.connection->remote_address) == address;
  };
  key = std::string(client_id);
  Session* primary = sessions_->find(client_id);

  // The same client again: take its live connection over.
  Session* mine = primary && primary->connection && same_holder(*primary) ? primary : nullptr;
  if (!mine) {
    if (const auto it = extra_sessions_.find(key); it != extra_sessions_.end()) {
      for (const SubscriberId id : it->second) {
        Session* extra = sessions_->find(id);
        if (extra && extra->connection && same_holder(*extra)) {
          mine = extra;
          break;
        }
      }
    }
  }
  if (mine) {
    log(log::Level::info,
        "client " + key + " taken over by a new connection from " + client.remote_address);
    const bool was_clean = mine->clean;  // a clean session ends with its connection
    close_client(*mine->connection, true, "");
    if (was_clean) {
      if (mine == primary) primary = nullptr;
      mine = nullptr;
    }
  }

  if (primary && primary->connection) {
    // Held live by another client.
    if (!clean && primary->account != account) {
      log(log::Level::warning, "refused client " + key + " from " + client.remote_address +
                                   ": its persistent session belongs to another account");
      refusal = ConnectReturnCode::identifier_rejected;
      return nullptr;
    }
    if (!clean) {
      // An anonymous client from another address asking for the persistent session: the
      // specification's takeover.
      log(log::Level::info,
          "client " + key + " taken over by a new connection from " + client.remote_address);
      const bool was_clean = primary->clean;
      close_client(*primary->connection, true, "");
      if (was_clean) primary = nullptr;
    } else {
      ++stats_.client_id_shared;
      log(log::Level::warning,
          "client id " + key + " is used by " + primary->connection->remote_address +
              (primary->account.empty() ? "" : " (" + primary->account + ")") + " and by " +
              client.remote_address + (account.empty() ? "" : " (" + std::string(account) + ")") +
              " at once: both are kept");
      key += '\0';
      key += std::to_string(++extra_serial_);
      return nullptr;
    }
  }

  if (primary) {
    // Offline (a persistent session), or kept by a takeover above.
    if (primary->account != account) {
      if (!clean) {
        log(log::Level::warning, "refused client " + key + " from " + client.remote_address +
                                     ": its persistent session belongs to another account");
        refusal = ConnectReturnCode::identifier_rejected;
        return nullptr;
      }
      key += '\0';  // another account's session stays where it is
      key += std::to_string(++extra_serial_);
      return nullptr;
    }
    if (clean) {
      discard_session(*primary);  // MQTT-3.1.2-6: a clean session starts from nothing
      return nullptr;
    }
    primary->clean = false;
    return primary;
  }
  return nullptr;
}

bool Broker::make_room_for_persistent_session() {
  Session* oldest = nullptr;
  sessions_->for_each([&](Session& s) {
    if (!s.clean && !s.connection && (!oldest || s.offline_since < oldest->offline_since)) {
      oldest = &s;
    }
  });
  if (!oldest) return false;
  log(log::Level::warning,
      "persistent session limit (" + std::to_string(config_.max_persistent_sessions) +
          ") reached: discarding the session of " + oldest->client_id + ", offline the longest");
  ++stats_.sessions_expired;
  discard_session(*oldest);
  return true;
}

void Broker::expire_sessions() {
  if (config_.persistent_session_expiry.count() <= 0 || persistent_sessions_ == 0) return;
  std::vector<Session*> expired;
  sessions_->for_each([&](Session& s) {
    if (!s.clean && !s.connection && now_ - s.offline_since > config_.persistent_session_expiry) {
      expired.push_back(&s);
    }
  });
  for (Session* s : expired) {
    log(log::Level::info, "session of " + s->client_id + " expired (offline too long)");
    ++stats_.sessions_expired;
    discard_session(*s);
  }
}

Session& Broker::create_session(std::string key, bool clean, std::string_view account) {
  Session& session = sessions_->create(key, clean);
  session.account = std::string(account);
  if (!clean) ++persistent_sessions_;
  if (const auto nul = key.find('\0'); nul != std::string::npos) {
    extra_sessions_[key.substr(0, nul)].push_back(session.id);
  }
  return session;
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
    const std::string who =
        client.session ? std::string(client.session->presented_id()) : client.remote_address;
    log(log::Level::info, "closing " + who + ": " + std::string(reason));
  }
  forget_address(client);
  forget_pending(client);
  incomplete_bytes_ -= client.input_counted;
  client.input_counted = 0;
  if (client.transport) {
    Transport* transport = client.transport;
    client.transport = nullptr;
    transport->close();
  }
  MessagePtr will = std::move(client.will);
  // A will is a message the client publishes: it needs the right its PUBLISH would (the ACL,
  // hooks, the read-only $SYS), asked now, while the client's session and access are known.
  if (publish_will && will && client.connected &&
      !may_publish(client, PublishPacket{.qos = will->qos,
                                         .retain = will->retain,
                                         .topic = will->topic,
                                         .payload = will->payload})) {
    ++stats_.publishes_refused;
    log(log::Level::warning, "refused the will of " + std::string(client.session->presented_id()) +
                                 " from " + client.remote_address + " on " + will->topic);
    will.reset();
  }
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
  session->offline_since = now_;
  if (session->clean) discard_session(*session);  // MQTT-3.1.2-6
}

void Broker::discard_session(Session& session) {
  for (const auto& filter : session.subscriptions) {
    subscriptions_.remove(filter, session.id);
  }
  if (session.connection) session.connection->session = nullptr;
  queued_bytes_ -= std::min(queued_bytes_, session.queued_bytes);
  if (!session.clean) --persistent_sessions_;
  if (const auto nul = session.client_id.find('\0'); nul != std::string::npos) {
    const auto it = extra_sessions_.find(session.client_id.substr(0, nul));
    if (it != extra_sessions_.end()) {
      std::erase(it->second, session.id);
      if (it->second.empty()) extra_sessions_.erase(it);
    }
  }
  sessions_->erase(session);
}

}  // namespace fabomatic::broker
