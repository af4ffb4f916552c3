// Broker core: construction, the transport entry points, frame processing and time.
#include "broker/core/broker.hpp"

#include "broker/core/entry_guard.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace fabomatic::broker {

Broker::Broker(BrokerConfig config, Clock::time_point start,
               std::unique_ptr<RetainedStore> retained, std::unique_ptr<SessionStore> sessions)
    : config_(std::move(config)),
      retained_(std::move(retained)),
      sessions_(std::move(sessions)),
      now_(start),
      started_(now_),
      next_sys_(now_) {}

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
    log(log::Level::warning, "connection limit reached, refusing " + remote_address);
    return nullptr;
  }
  now_ = now;
  auto client = std::make_unique<ClientConnection>();
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
  client.last_activity = now_;
  stats_.bytes_received += bytes.size();
  if (client.input.empty()) {
    // Common case: whole packets straight from the read buffer, no copy.
    process_frames(client, bytes);
    if (client.transport && !bytes.empty()) client.input.assign(bytes);
  } else {
    client.input.append(bytes);
    std::string_view pending = client.input;
    process_frames(client, pending);
    if (client.transport) {
      if (pending.empty()) {
        std::string().swap(client.input);  // release a large buffer once the packet is done
      } else {
        client.input.erase(0, client.input.size() - pending.size());
      }
    }
  }
}

void Broker::process_frames(ClientConnection& client, std::string_view& data) {
  while (client.transport && !data.empty()) {
    const FrameResult frame = next_frame(data, config_.max_packet_size);
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
  for (const auto& c : connections_) {
    if (c->connected) {
      // A client held back by flow control is not read, so its silence is ours, not its own.
      // (The transport asks accepts_input() every few milliseconds, which prunes held_by.)
      if (!c->held_by.empty()) c->last_activity = now;
      // MQTT-3.1.2-24: one and a half times the keep-alive without a packet.
      if (c->keep_alive > 0 &&
          now - c->last_activity > std::chrono::milliseconds(1500 * std::uint32_t{c->keep_alive})) {
        expired.push_back(c.get());
      }
    } else if (now - c->last_activity > config_.connect_timeout) {
      expired.push_back(c.get());
    }
  }
  for (auto* c : expired) {
    close_client(*c, true, c->connected ? "keep-alive expired" : "no CONNECT in time");
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
  if (client.session) i.client_id = client.session->client_id;
  i.username = client.username;
  i.remote_address = client.remote_address;
  i.protocol_level = client.protocol_level;
  return i;
}

}  // namespace fabomatic::broker
