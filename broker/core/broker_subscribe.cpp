// SUBSCRIBE and UNSUBSCRIBE, and delivery of retained messages to new subscriptions
// (MQTT 3.1.1 sections 3.8 to 3.11).
#include <algorithm>
#include <utility>

#include "broker/codec/topic.hpp"
#include "broker/core/broker.hpp"

namespace fabomatic::broker {

bool Broker::may_subscribe(ClientConnection& client, std::string_view filter) {
  // An invalid filter is refused with 0x80 rather than closing the connection, so that one bad
  // filter in a SUBSCRIBE does not cost the client its other subscriptions.
  if (!is_valid_topic_filter(filter)) return false;
  if (client.access && !client.access->may_subscribe(info(client), filter)) return false;
  for (BrokerHooks* hook : hooks_for(HookEvent::authorize_subscribe)) {
    if (!hook->authorize_subscribe(info(client), filter)) return false;
  }
  return true;
}

void Broker::handle_subscribe(ClientConnection& client, const SubscribePacket& packet) {
  Session& session = *client.session;
  SubackPacket ack{packet.packet_id, {}};
  ack.return_codes.reserve(packet.topics.size());
  for (const TopicRequest& request : packet.topics) {
    if (!may_subscribe(client, request.filter)) {
      ++stats_.subscriptions_refused;
      log(log::Level::info, "refused SUBSCRIBE of " + std::string(session.presented_id()) + " to " +
                                std::string(request.filter));
      ack.return_codes.push_back(kSubackFailure);
      continue;
    }
    const std::uint8_t granted = request.qos;  // every QoS is supported (MQTT-3.9.3)
    // The tree says whether the filter is new for this session (no scan of the session's list);
    // an existing one gets the new QoS (MQTT-3.8.4-3: it replaces the subscription).
    const bool client_full = session.subscriptions.size() >= config_.max_subscriptions_per_client;
    const bool broker_full = subscriptions_.size() >= config_.max_subscriptions_total;
    if ((client_full || broker_full) && !subscriptions_.contains(request.filter, session.id)) {
      ++stats_.subscriptions_refused;
      log(log::Level::warning,
          "refused SUBSCRIBE of " + std::string(session.presented_id()) + ": " +
              (client_full ? std::to_string(config_.max_subscriptions_per_client) +
                                 " subscriptions of this client already"
                           : std::to_string(config_.max_subscriptions_total) +
                                 " subscriptions of all clients already"));
      ack.return_codes.push_back(kSubackFailure);
      continue;
    }
    if (subscriptions_.add(request.filter, session.id, granted)) {
      session.subscriptions.emplace_back(request.filter);
    }
    ack.return_codes.push_back(granted);
  }
  // MQTT-3.8.4-1, -4, -5: one SUBACK with the same packet id and one code per filter, in order.
  std::string out;
  encode(ack, out);
  send(client, out);

  for (std::size_t i = 0; i < packet.topics.size(); ++i) {
    if (ack.return_codes[i] != kSubackFailure) {
      deliver_retained(session, packet.topics[i].filter, ack.return_codes[i]);
    }
  }
}

void Broker::deliver_retained(Session& session, std::string_view filter, std::uint8_t granted) {
  // MQTT-3.3.1-6, -8 and MQTT-3.8.4-3: retained messages are sent (again) with RETAIN set —
  // every one the filter matches: a wildcard over more retained topics than a session queue
  // holds queues them beyond max_queued (bounded by the retained store itself; the messages are
  // the store's, shared) instead of dropping the rest.
  const bool outer = std::exchange(delivering_retained_, true);
  retained_->match(filter, [&](const MessagePtr& message) {
    deliver(session, message, std::min(message->qos, granted), true);
  });
  delivering_retained_ = outer;
}

void Broker::handle_unsubscribe(ClientConnection& client, const UnsubscribePacket& packet) {
  // UNSUBACK has no code per filter to refuse one with (as SUBACK has), so an invalid filter is
  // the protocol violation it is (MQTT-4.7.1-2, -3, MQTT-4.7.3-1, MQTT-4.8.0-1): the connection
  // closes and no subscription of the packet is removed.
  for (const std::string_view filter : packet.filters) {
    if (!is_valid_topic_filter(filter)) {
      ++stats_.protocol_errors;
      close_client(client, true, "invalid topic filter in UNSUBSCRIBE");
      return;
    }
  }
  Session& session = *client.session;
  auto& list = session.subscriptions;
  for (const std::string_view filter : packet.filters) {
    // MQTT-3.10.4-1, -2: the subscription goes, no new message is delivered for it.
    if (!subscriptions_.remove(filter, session.id)) continue;
    if (auto it = std::find(list.begin(), list.end(), filter); it != list.end()) list.erase(it);
  }
  // MQTT-3.10.4-4, -5: UNSUBACK even when nothing matched.
  std::string out;
  encode(AckPacket{PacketType::unsuback, packet.packet_id}, out);
  send(client, out);
}

}  // namespace fabomatic::broker
