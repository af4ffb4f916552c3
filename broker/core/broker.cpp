// Broker core: construction, the transport entry points, frame processing and time.
#include "broker/core/broker.hpp"

#include "broker/core/entry_guard.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace fabomatic::broker {

namespace {
// How often offline persistent sessions are looked at for expiry.
constexpr auto kSessionSweepPeriod = std::chrono::seconds(10);
}  // namespace

std::string_view address_of(std::string_view remote_address) {
  // "1.2.3.4:5678" or "::1:5678": the port is after the last colon.
  const auto colon = remote_address.rfind(':');
  return colon == std::string_view::npos ? remote_address : remote_address.substr(0, colon);
}

Broker::Broker(BrokerConfig config, Clock::time_point start,
               std::unique_ptr<RetainedStore> retained, std::unique_ptr<SessionStore> sessions)
    : config_(std::move(config)),
      retained_(retained ? std::move(retained)
                         : make_memory_retained_store(RetainedLimits{config_.max_retained_messages,
                                                                     config_.max_retained_bytes})),
      sessions_(std::move(sessions)),
      now_(start),
      started_(now_),
      next_sys_(now_),
      next_session_sweep_(now_ + kSessionSweepPeriod) {}

Broker::~Broker() {
  for (auto& c : connections_) {
    if (c->transport) c->transport->close();
  }
}

void Broker::add_hooks(BrokerHooks& hooks) {
  for (std::size_t bit = 0; bit < kHookEventCount; ++bit) {
    if (hooks.handles(static_cast<HookEvent>(1u << bit))) hooks_[bit].push_back(&hooks);
  }
}

const std::vector<BrokerHooks*>& Broker::hooks_for(HookEvent event) const {
  return hooks_[static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(event)))];
}

void Broker::log(log::Level level, std::string_view text) const {
  log::write_to(config_.logger, level, "broker", text);
}

ClientConnection* Broker::attach(Transport& transport, std::string remote_address,
                                 Clock::time_point now) {
  EntryGuard guard(*this);
  if (connections_.size() >= config_.max_connections) {
    ++stats_.connections_refused;
    log(log::Level::warning, "connection limit reached, refusing " + remote_address);
    return nullptr;
  }
  const std::string address(address_of(remote_address));
  if (config_.max_connections_per_address > 0) {
    const auto it = per_address_.find(address);
    if (it != per_address_.end() && it->second >= config_.max_connections_per_address) {
      ++stats_.connections_refused;
      log(log::Level::warning, "connection limit per address reached, refusing " + remote_address);
      return nullptr;
    }
  }
  if (config_.max_pending_per_address > 0) {
    const auto it = pending_per_address_.find(address);
    if (it != pending_per_address_.end() && it->second >= config_.max_pending_per_address) {
      ++stats_.connections_refused;
      log(log::Level::warning,
          "too many connections not logged in yet from one address, refusing " + remote_address);
      return nullptr;
    }
    ++pending_per_address_[address];
  }
  if (config_.max_connections_per_address > 0) ++per_address_[address];
  now_ = now;
  auto client = std::make_unique<ClientConnection>();
  client->pending_counted = config_.max_pending_per_address > 0;
  client->transport = &transport;
  client->remote_address = std::move(remote_address);
  client->last_activity = now_;
  client->index = connections_.size();
  connections_.push_back(std::move(client));
  ++stats_.connections_total;
  return connections_.back().get();
}

void Broker::on_data(ClientConnection& client, std::string_view bytes, Clock::time_point now) {
  EntryGuard guard(*this);
  if (!client.transport) return;
  now_ = now;
  // Before CONNECT the timeout counts from the accept: a client that sends one byte a second
  // does not keep its socket.
  if (client.connected) client.last_activity = now_;
  stats_.bytes_received += bytes.size();
  if (client.input.empty()) {
    // Common case: whole packets straight from the read buffer, no copy.
    process_frames(client, bytes);
    if (!client.transport || bytes.empty()) return;
    client.input.assign(bytes);
    count_input(client, true);
  } else {
    client.input.append(bytes);
    process_input(client);
  }
  // Small incomplete packets always wait: a board is never refused for what others hold.
  constexpr std::size_t kAlwaysHeld = 16 * 1024;
  if (client.transport && incomplete_bytes_ > config_.max_incomplete_total &&
      client.input.size() > kAlwaysHeld) {
    close_client(client, true,
                 "incomplete packets of all clients exceed " +
                     std::to_string(config_.max_incomplete_total) + " bytes");
  }
}

void Broker::process_input(ClientConnection& client) {
  std::string_view pending = client.input;
  process_frames(client, pending);
  if (!client.transport) return;
  const bool consumed = pending.size() < client.input.size();
  if (pending.empty()) {
    std::string().swap(client.input);  // release a large buffer once the packet is done
  } else {
    client.input.erase(0, client.input.size() - pending.size());
  }
  count_input(client, consumed);
}

void Broker::count_input(ClientConnection& client, bool consumed) {
  incomplete_bytes_ = incomplete_bytes_ - client.input_counted + client.input.size();
  client.input_counted = client.input.size();
  if (consumed) client.input_since = now_;
}

void Broker::process_frames(ClientConnection& client, std::string_view& data) {
  while (client.transport && !data.empty()) {
    // Flow control between packets, not only between reads: one read can hold thousands of
    // small PUBLISHes, more than a congested subscriber's queue takes. The rest waits in
    // `input` until accepts_input() finds the subscribers caught up.
    if (!client.held_by.empty()) {
      client.input_held = true;
      return;
    }
    // Until its CONNECT is accepted, a client may send no more than a CONNECT needs.
    const std::size_t limit = client.connected
                                  ? config_.max_packet_size
                                  : std::min(config_.max_packet_size, config_.max_connect_size);
    const FrameResult frame = next_frame(data, limit);
    if (frame.status == FrameResult::Status::incomplete) return;
    if (frame.status == FrameResult::Status::error) {
      ++stats_.protocol_errors;
      close_client(client, true, to_string(frame.error));
      return;
    }
    const std::string_view bytes = data.substr(0, frame.header.frame_size());
    const DecodeResult decoded = decode(frame.header, bytes);
    data.remove_prefix(bytes.size());
    if (!decoded.ok()) {
      ++stats_.protocol_errors;
      if (frame.header.type() == PacketType::connect && !client.connected) {
        if (const auto code = connack_code_for(decoded.error)) {
          reject_connect(client, *code);
          return;
        }
      }
      close_client(client, true, to_string(decoded.error));
      return;
    }
    handle_packet(client, frame.header, decoded.packet);
  }
}

void Broker::handle_packet(ClientConnection& client, const FixedHeader& header,
                           const Packet& packet) {
  const PacketType type = header.type();
  if (!client.connected) {
    // The first packet must be CONNECT (MQTT-3.1.0-1).
    if (type != PacketType::connect) {
      close_client(client, false, "first packet is not CONNECT");
      return;
    }
    handle_connect(client, std::get<ConnectPacket>(packet));
    return;
  }
  switch (type) {
    case PacketType::publish:
      handle_publish(client, std::get<PublishPacket>(packet));
      break;
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp:
      handle_ack(client, std::get<AckPacket>(packet));
      break;
    case PacketType::subscribe:
      handle_subscribe(client, std::get<SubscribePacket>(packet));
      break;
    case PacketType::unsubscribe:
      handle_unsubscribe(client, std::get<UnsubscribePacket>(packet));
      break;
    case PacketType::pingreq: {
      // MQTT-3.12.4-1
      std::string out;
      encode(EmptyPacket{PacketType::pingresp}, out);
      send(client, out);
      break;
    }
    case PacketType::disconnect:
      // MQTT-3.14.4-3: the will is discarded.
      client.will.reset();
      close_client(client, false, "");
      break;
    case PacketType::connect:
      // A second CONNECT is a protocol violation (MQTT-3.1.0-2).
      ++stats_.protocol_errors;
      close_client(client, true, "second CONNECT");
      break;
    default:
      // CONNACK, SUBACK, UNSUBACK, PINGRESP only travel from server to client.
      ++stats_.protocol_errors;
      close_client(client, true, std::string("unexpected ") + std::string(to_string(type)));
      break;
  }
}

void Broker::on_transport_closed(ClientConnection& client) {
  EntryGuard guard(*this);
  if (!client.transport) return;
  client.transport = nullptr;  // the stream is gone: nothing may be sent any more
  close_client(client, true, "connection lost");
}

void Broker::close_all() {
  EntryGuard guard(*this);
  while (!connections_.empty())
    close_client(*connections_.back(), false, "");
}

void Broker::tick(Clock::time_point now) {
  EntryGuard guard(*this);
  now_ = now;
  // Iterate over a snapshot of raw pointers: closing moves connections out of the vector.
  std::vector<ClientConnection*> expired;
  std::vector<ClientConnection*> not_reading;
  std::vector<ClientConnection*> incomplete;
  for (const auto& c : connections_) {
    if (c->connected && c->transport) {
      if (c->transport->pending_bytes() < config_.max_output_bytes) {
        c->output_full_since.reset();
      } else if (!c->output_full_since) {
        c->output_full_since = now;
      } else if (now - *c->output_full_since > config_.output_stall_timeout) {
        not_reading.push_back(c.get());
        continue;
      }
    }
    if (c->connected) {
      // A client held back by flow control is not read, so its silence is ours, not its own.
      // (The transport asks accepts_input() every few milliseconds, which prunes held_by.)
      if (!c->held_by.empty()) c->last_activity = now;
      // MQTT-3.1.2-24: one and a half times the keep-alive without a packet.
      if (c->keep_alive > 0 &&
          now - c->last_activity > std::chrono::milliseconds(1500 * std::uint32_t{c->keep_alive})) {
        expired.push_back(c.get());
        continue;
      }
    } else if (now - c->last_activity > config_.connect_timeout) {
      expired.push_back(c.get());
      continue;
    }
    // Input held by flow control is ours to handle, not the client's to complete.
    if (!c->input.empty() && !c->input_held &&
        now - c->input_since > config_.incomplete_packet_timeout) {
      incomplete.push_back(c.get());
    }
  }
  for (auto* c : incomplete) {
    close_client(*c, true,
                 "a packet still incomplete after " +
                     std::to_string(config_.incomplete_packet_timeout.count()) + " s");
  }
  for (auto* c : expired) {
    close_client(*c, true, c->connected ? "keep-alive expired" : "no CONNECT in time");
  }
  for (auto* c : not_reading) {
    close_client(*c, true,
                 "reads nothing: " + std::to_string(config_.max_output_bytes) +
                     " bytes unsent for " + std::to_string(config_.output_stall_timeout.count()) +
                     " s");
  }
  if (now >= next_session_sweep_) {
    next_session_sweep_ = now + kSessionSweepPeriod;
    expire_sessions();
  }
  if (config_.sys_interval.count() > 0 && now >= next_sys_) {
    next_sys_ = now + config_.sys_interval;
    publish_sys();
  }
}

void Broker::send(ClientConnection& client, std::string_view bytes) {
  if (!client.transport) return;
  stats_.bytes_sent += bytes.size();
  client.transport->send(bytes);
}

ClientInfo Broker::info(const ClientConnection& client) const {
  ClientInfo i;
  if (client.session) i.client_id = client.session->presented_id();
  i.username = client.username;
  i.remote_address = client.remote_address;
  if (client.as_account) i.account = client.username;
  i.protocol_level = client.protocol_level;
  return i;
}

void Broker::forget_address(const ClientConnection& client) {
  if (config_.max_connections_per_address == 0) return;
  const auto it = per_address_.find(std::string(address_of(client.remote_address)));
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
}

void Broker::forget_pending(ClientConnection& client) {
  if (!client.pending_counted) return;
  client.pending_counted = false;
  const auto it = pending_per_address_.find(std::string(address_of(client.remote_address)));
  if (it == pending_per_address_.end()) return;
  if (--it->second == 0) pending_per_address_.erase(it);
}

std::size_t Broker::review_clients(BrokerHooks& hooks) {
  EntryGuard guard(*this);
  std::vector<ClientConnection*> refused;
  for (const auto& c : connections_) {
    if (!c->connected || c->authority != &hooks) continue;
    const AuthResult verdict = hooks.review(info(*c));
    if (verdict.verdict == AuthResult::Verdict::refuse) {
      refused.push_back(c.get());
    } else if (verdict.verdict == AuthResult::Verdict::accept) {
      c->access = verdict.access;
      c->allowed_topic.clear();
    }
  }
  for (auto* c : refused)
    close_client(*c, true, "no longer authorized");
  return refused.size();
}

std::size_t Broker::disconnect_clients(const std::function<bool(const ClientInfo&)>& which,
                                       std::string_view reason) {
  EntryGuard guard(*this);
  std::vector<ClientConnection*> chosen;
  for (const auto& c : connections_) {
    if (c->connected && which(info(*c))) chosen.push_back(c.get());
  }
  for (auto* c : chosen)
    close_client(*c, true, reason);
  return chosen.size();
}

void Broker::for_each_client(const std::function<void(const ClientInfo&)>& visit) const {
  for (const auto& c : connections_) {
    if (c->connected) visit(info(*c));
  }
}

std::vector<SharedClientId> Broker::shared_client_ids() const {
  std::vector<SharedClientId> shared;
  for (const auto& [id, extras] : extra_sessions_) {
    SharedClientId entry;
    entry.client_id = id;
    const auto add = [&](const Session* session) {
      if (!session || !session->connection) return;
      const ClientConnection& c = *session->connection;
      entry.holders.push_back(SharedClientId::Holder{
          c.remote_address, c.as_account ? c.username : std::string(), c.username});
    };
    add(sessions_->find(std::string_view(id)));
    for (const SubscriberId extra : extras)
      add(sessions_->find(extra));
    if (entry.holders.size() > 1) shared.push_back(std::move(entry));
  }
  std::sort(shared.begin(), shared.end(),
            [](const auto& a, const auto& b) { return a.client_id < b.client_id; });
  return shared;
}

}  // namespace fabomatic::broker
