// PUBLISH in both directions, its acknowledgements, routing to subscribers and interceptors,
// in-flight windows and offline queues (MQTT 3.1.1 sections 3.3 to 3.7, 4.3, 4.4 and 4.6).
#include <algorithm>
#include <utility>

#include "broker/codec/topic.hpp"
#include "broker/core/broker.hpp"
#include "broker/core/entry_guard.hpp"

namespace fabomatic::broker {

namespace {
// Names the publisher whose message is being routed, for the length of a scope; routing nests
// (an interceptor publishes while a client's message is routed), so the outer one comes back.
class ScopedPublisher {
 public:
  ScopedPublisher(ClientConnection*& slot, ClientConnection* publisher)
      : slot_(slot), outer_(std::exchange(slot, publisher)) {}
  ~ScopedPublisher() { slot_ = outer_; }
  ScopedPublisher(const ScopedPublisher&) = delete;
  ScopedPublisher& operator=(const ScopedPublisher&) = delete;

 private:
  ClientConnection*& slot_;
  ClientConnection* outer_;
};
}  // namespace

namespace {
// Topics under $SYS are the broker's own: no client writes them (Mosquitto refuses them too).
bool is_sys_topic(std::string_view topic) {
  return topic.starts_with("$SYS") && (topic.size() == 4 || topic[4] == '/');
}

std::size_t cost(const Message& m) {
  return m.topic.size() + m.payload.size();
}
}  // namespace

bool Broker::may_publish(ClientConnection& client, const PublishPacket& packet) {
  if (is_sys_topic(packet.topic)) return false;
  if (client.access) {
    // A board publishes on one topic all day: the last topic allowed is asked about once.
    const bool remembered =
        !packet.retain && !client.allowed_topic.empty() && client.allowed_topic == packet.topic;
    if (!remembered) {
      if (!client.access->may_publish(info(client), packet.topic, packet.retain)) return false;
      if (!packet.retain && client.access->stable()) client.allowed_topic.assign(packet.topic);
    }
  }
  for (BrokerHooks* hook : hooks_for(HookEvent::authorize_publish)) {
    if (!hook->authorize_publish(info(client), packet.topic)) return false;
  }
  return true;
}

void Broker::handle_publish(ClientConnection& client, const PublishPacket& packet) {
  ++stats_.messages_received;
  Session& session = *client.session;
  const bool allowed = may_publish(client, packet);
  if (!allowed) {
    ++stats_.publishes_refused;
    if (!client.refusal_logged) {
      client.refusal_logged = true;  // once per client: a misconfigured board would flood the log
      log(log::Level::warning,
          "refused PUBLISH of " + std::string(session.presented_id()) + " from " +
              client.remote_address +
              (client.as_account ? " (account " + client.username + ")" : " (anonymous)") + " on " +
              std::string(packet.topic) + (packet.retain ? " (retained)" : "") +
              "; further refusals of this client are not logged");
    }
  }
  // Whoever this message congests holds this client back (flow control, see enqueue()).
  const ScopedPublisher scope(publisher_, &client);

  std::string ack;
  switch (packet.qos) {
    case 0:
      if (allowed)
        route(
            make_message(std::string(packet.topic), std::string(packet.payload), 0, packet.retain));
      return;
    case 1:
      // MQTT-4.3.2-2: PUBACK after taking ownership of the message.
      if (allowed)
        route(
            make_message(std::string(packet.topic), std::string(packet.payload), 1, packet.retain));
      encode(AckPacket{PacketType::puback, packet.packet_id}, ack);
      break;
    default: {
      // MQTT-4.3.3-2: exactly once. The message is routed when first received; a resent PUBLISH
      // with the same packet id before PUBREL is only acknowledged again.
      auto& pending = session.inbound_qos2;
      if (std::find(pending.begin(), pending.end(), packet.packet_id) == pending.end()) {
        pending.push_back(packet.packet_id);
        if (allowed)
          route(make_message(std::string(packet.topic), std::string(packet.payload), 2,
                             packet.retain));
      }
      encode(AckPacket{PacketType::pubrec, packet.packet_id}, ack);
      break;
    }
  }
  send(client, ack);
}

void Broker::handle_ack(ClientConnection& client, const AckPacket& packet) {
  Session& session = *client.session;
  auto& inflight = session.inflight;
  const auto find = [&](std::uint8_t qos, bool released) {
    return std::find_if(inflight.begin(), inflight.end(), [&](const InflightMessage& m) {
      return m.packet_id == packet.packet_id && m.qos == qos && m.released == released;
    });
  };
  std::string out;
  switch (packet.type) {
    case PacketType::puback:
      session.last_progress = now_;
      if (auto it = find(1, false); it != inflight.end()) inflight.erase(it);
      pump_queue(session);
      return;
    case PacketType::pubrec:
      session.last_progress = now_;
      // MQTT-4.3.3-1: answer PUBREC with PUBREL; the message itself is no longer needed.
      if (auto it = find(2, false); it != inflight.end()) {
        it->released = true;
        it->message.reset();
      }
      encode(AckPacket{PacketType::pubrel, packet.packet_id}, out);
      send(client, out);
      return;
    case PacketType::pubcomp:
      if (auto it = find(2, true); it != inflight.end()) inflight.erase(it);
      pump_queue(session);
      return;
    case PacketType::pubrel: {
      // Inbound QoS 2 completes; PUBCOMP even for an unknown id so the client can finish.
      auto& pending = session.inbound_qos2;
      pending.erase(std::remove(pending.begin(), pending.end(), packet.packet_id), pending.end());
      encode(AckPacket{PacketType::pubcomp, packet.packet_id}, out);
      send(client, out);
      return;
    }
    default:
      return;
  }
}

void Broker::store_retained(const MessagePtr& message) {
  if (retained_->store(message)) return;  // MQTT-3.3.1-5, -10
  ++stats_.retained_refused;
  if (!retained_full_logged_) {
    retained_full_logged_ = true;
    log(log::Level::warning, "retained messages at their limit (" +
                                 std::to_string(config_.max_retained_messages) + " messages, " +
                                 std::to_string(config_.max_retained_bytes) +
                                 " bytes): new ones are delivered but not retained");
  }
}

void Broker::route(const MessagePtr& message) {
  if (message->retain) store_retained(message);

  // Borrow the scratch vector: a nested route() (an interceptor publishing) gets a fresh one.
  std::vector<Subscriber> matches = std::move(match_scratch_);
  matches.clear();
  subscriptions_.match(message->topic, matches);
  if (matches.size() > 1) {
    // One delivery per session at the highest granted QoS of its matching filters
    // (MQTT-3.3.5-1).
    std::sort(matches.begin(), matches.end(), [](const Subscriber& a, const Subscriber& b) {
      return a.id != b.id ? a.id < b.id : a.qos > b.qos;
    });
    matches.erase(
        std::unique(matches.begin(), matches.end(),
                    [](const Subscriber& a, const Subscriber& b) { return a.id == b.id; }),
        matches.end());
  }
  for (const Subscriber& s : matches) {
    if (Session* session = sessions_->find(s.id)) {
      // MQTT-3.3.1-9: no RETAIN flag on delivery to an established subscription.
      deliver(*session, message, std::min(message->qos, s.qos), false);
    }
  }
  match_scratch_ = std::move(matches);

  if (!interceptors_.empty()) {
    std::vector<Subscriber> handlers;
    interceptor_tree_.match(message->topic, handlers);
    for (const Subscriber& h : handlers) {
      // A handler may unsubscribe itself or others: look the slot up each time.
      if (h.id >= interceptors_.size() || !interceptors_[h.id]) continue;
      const std::shared_ptr<Interceptor> keep = interceptors_[h.id];
      keep->handler(*message);
    }
  }
}

void Broker::deliver(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain) {
  ClientConnection* client = session.connection;
  if (qos == 0) {
    if (!client || !client->transport) return;  // QoS 0 is not kept for absent clients
    const std::size_t pending = client->transport->pending_bytes();
    if (pending > config_.max_output_bytes ||
        (pending > 0 && output_total() > config_.max_output_total)) {
      ++stats_.messages_dropped;  // a client that does not read loses QoS 0, nobody waits
      return;
    }
    // Fan-out of one message encodes it once for all its QoS 0 receivers.
    if (encoded_message_ != message || encoded_retain_ != retain) {
      encoded_message_ = message;
      encoded_retain_ = retain;
      encode_scratch_.clear();
      encode(PublishPacket{false, 0, retain, message->topic, 0, message->payload}, encode_scratch_);
    }
    ++stats_.messages_sent;
    send(*client, encode_scratch_);
    return;
  }
  if (client && session.queued() == 0 && session.inflight.size() < config_.max_inflight) {
    session.inflight.push_back(InflightMessage{message, next_packet_id(session), qos, retain});
    send_publish(session, session.inflight.back(), false);
  } else {
    enqueue(session, message, qos, retain);
  }
}

void Broker::send_publish(Session& session, InflightMessage& m, bool dup) {
  if (!session.connection) return;
  std::string out;
  encode(PublishPacket{dup, m.qos, m.retain, m.message->topic, m.packet_id, m.message->payload},
         out);
  ++stats_.messages_sent;
  send(*session.connection, out);
}

void Broker::enqueue(Session& session, const MessagePtr& message, std::uint8_t qos, bool retain) {
  const bool over_total = output_total() + cost(*message) > config_.max_output_total;
  // Flow control applies to a client's message for another online client.
  const bool from_another_client = publisher_ && session.connection &&
                                   session.connection != publisher_ && config_.max_queued >= 4;
  // A client's message to a subscriber that is working through its queue is taken even beyond
  // the limit (a SUBSCRIBE's retained messages may fill it): its publisher is held right after
  // it, so each publisher adds at most one. A stalled subscriber's queue overflows instead.
  const bool publisher_held_after = from_another_client && congested(session, now_);
  const std::size_t limit =
      config_.max_queued + (delivering_retained_ ? config_.max_retained_messages : 0);
  if ((session.queued() >= limit && !publisher_held_after) || over_total) {
    ++stats_.messages_dropped;
    if (session.dropped++ % 1000 == 0) {
      log(log::Level::warning,
          "queue of " + std::string(session.presented_id()) + " full (" +
              (over_total ? "all queues hold " + std::to_string(output_total()) + " bytes"
                          : std::to_string(config_.max_queued) + " messages") +
              "), dropping messages");
    }
    return;
  }
  if (!session.queue) session.queue = std::make_unique<std::deque<QueuedMessage>>();
  session.queue->push_back(QueuedMessage{message, qos, retain});
  session.queued_bytes += cost(*message);
  queued_bytes_ += cost(*message);
  if (publisher_held_after || (from_another_client && session.queued() >= config_.max_queued / 2 &&
                               congested(session, now_))) {
    hold_publisher(session);
  }
}

bool Broker::congested(const Session& session, Clock::time_point now) const {
  // Online, still above the low-water mark, and acknowledging: a client that reads slowly.
  return session.connection && session.queued() > config_.max_queued / 4 &&
         now - session.last_progress <= config_.stall_timeout;
}

void Broker::hold_publisher(Session& congested) {
  auto& held = publisher_->held_by;
  if (std::find(held.begin(), held.end(), congested.id) == held.end()) held.push_back(congested.id);
}

bool Broker::accepts_input(ClientConnection& client, Clock::time_point now) {
  // Handling the packets held back may close the connection: `client` must outlive the return.
  EntryGuard guard(*this);
  if (!client.held_by.empty()) {
    now_ = now;
    std::erase_if(client.held_by, [&](SubscriberId id) {
      const Session* session = sessions_->find(id);
      return !session || !congested(*session, now);
    });
    if (!client.held_by.empty()) return false;
    std::vector<SubscriberId>().swap(client.held_by);
  }
  if (client.input_held && client.transport) {
    // Packets received while the client was held come first, before anything read next.
    now_ = now;
    client.input_held = false;
    process_input(client);
  }
  return client.held_by.empty();
}

void Broker::pump_queue(Session& session) {
  while (session.connection && session.queue && !session.queue->empty() &&
         session.inflight.size() < config_.max_inflight) {
    QueuedMessage next = std::move(session.queue->front());
    session.queue->pop_front();
    unqueue(session, *next.message);
    session.inflight.push_back(
        InflightMessage{std::move(next.message), next_packet_id(session), next.qos, next.retain});
    send_publish(session, session.inflight.back(), false);
  }
  if (session.queue && session.queue->empty()) session.queue.reset();
}

void Broker::resume_session(Session& session) {
  // MQTT-4.4.0-1: unacknowledged PUBLISH packets are resent with DUP set, PUBRELs resent, in
  // their original order (MQTT-4.6.0-1..-3).
  std::string out;
  for (auto& m : session.inflight) {
    if (m.released) {
      out.clear();
      encode(AckPacket{PacketType::pubrel, m.packet_id}, out);
      send(*session.connection, out);
    } else {
      send_publish(session, m, true);
    }
  }
  pump_queue(session);
}

void Broker::unqueue(Session& session, const Message& message) {
  const std::size_t n = std::min(cost(message), session.queued_bytes);
  session.queued_bytes -= n;
  queued_bytes_ -= std::min(n, queued_bytes_);
}

std::uint16_t Broker::next_packet_id(Session& session) {
  for (;;) {
    if (++session.last_packet_id == 0) session.last_packet_id = 1;  // MQTT-2.3.1-1
    const auto id = session.last_packet_id;
    const bool in_use = std::any_of(session.inflight.begin(), session.inflight.end(),
                                    [id](const InflightMessage& m) { return m.packet_id == id; });
    if (!in_use) return id;
  }
}

void Broker::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                     bool retain) {
  EntryGuard guard(*this);
  if (!is_valid_topic_name(topic) || qos > 2) {
    log(log::Level::error, "in-process publish to an invalid topic refused");
    return;
  }
  // An in-process publisher (the backend, even while it answers a board) is never held back.
  const ScopedPublisher scope(publisher_, nullptr);
  route(make_message(std::string(topic), std::string(payload), qos, retain));
}

MessageBus::HandlerId Broker::subscribe(std::string_view filter, Handler handler) {
  auto slot = std::find(interceptors_.begin(), interceptors_.end(), nullptr);
  if (slot == interceptors_.end()) slot = interceptors_.insert(slot, nullptr);
  const auto id = static_cast<HandlerId>(slot - interceptors_.begin());
  *slot = std::make_shared<Interceptor>(Interceptor{std::string(filter), std::move(handler)});
  interceptor_tree_.add(filter, id, 0);
  return id;
}

void Broker::unsubscribe(HandlerId id) {
  if (id >= interceptors_.size() || !interceptors_[id]) return;
  interceptor_tree_.remove(interceptors_[id]->filter, id);
  interceptors_[id].reset();
}

}  // namespace fabomatic::broker
