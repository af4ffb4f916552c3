// SUBSCRIBE and UNSUBSCRIBE, and delivery of retained messages to new subscriptions
// (MQTT 3.1.1 sections 3.8 to 3.11).
#include <algorithm>

#include "broker/codec/topic.hpp"
#include "broker/core/broker.hpp"

namespace fabomatic::broker {

void Broker::handle_subscribe(ClientConnection& client, const SubscribePacket& packet) {
  Session& session = *client.session;
  SubackPacket ack{packet.packet_id, {}};
  ack.return_codes.reserve(packet.topics.size());
  for (const TopicRequest& request : packet.topics) {
    // An invalid filter is refused with 0x80 rather than closing the connection, so that one
    // bad filter in a SUBSCRIBE does not cost the client its other subscriptions.
    bool allowed = is_valid_topic_filter(request.filter);
    for (BrokerHooks* hook : hooks_for(HookEvent::authorize_subscribe))
      allowed = allowed && hook->authorize_subscribe(info(client), request.filter);
    if (!allowed) {
      ack.return_codes.push_back(kSubackFailure);
      continue;
    }
    const std::uint8_t granted = request.qos;  // every QoS is supported (MQTT-3.9.3)
    subscriptions_.add(request.filter, session.id, granted);
    auto& list = session.subscriptions;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& s) { return s.first == request.filter; });
    if (it != list.end()) {
      it->second = granted;  // MQTT-3.8.4-3: replaces the existing subscription
    } else {
      list.emplace_back(std::string(request.filter), granted);
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
  // MQTT-3.3.1-6, -8 and MQTT-3.8.4-3: retained messages are sent (again) with RETAIN set.
  retained_->match(filter, [&](const MessagePtr& message) {
    deliver(session, message, std::min(message->qos, granted), true);
  });
}

void Broker::handle_unsubscribe(ClientConnection& client, const UnsubscribePacket& packet) {
  Session& session = *client.session;
  auto& list = session.subscriptions;
  for (const std::string_view filter : packet.filters) {
    // MQTT-3.10.4-1, -2: the subscription goes, no new message is delivered for it.
    auto it =
        std::find_if(list.begin(), list.end(), [&](const auto& s) { return s.first == filter; });
    if (it == list.end()) continue;
    subscriptions_.remove(filter, session.id);
    list.erase(it);
  }
  // MQTT-3.10.4-4, -5: UNSUBACK even when nothing matched.
  std::string out;
  encode(AckPacket{PacketType::unsuback, packet.packet_id}, out);
  send(client, out);
}

}  // namespace fabomatic::broker
