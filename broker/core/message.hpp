// An application message as the broker routes and stores it: immutable and shared, so that a
// message fanned out to many subscribers, queued for offline sessions or retained is held once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace fabomatic::broker {

struct Message {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;  // QoS it was published with (delivery uses min(this, granted))
  bool retain = false;
};

using MessagePtr = std::shared_ptr<const Message>;

inline MessagePtr make_message(std::string topic, std::string payload, std::uint8_t qos,
                               bool retain) {
  return std::make_shared<const Message>(
      Message{std::move(topic), std::move(payload), qos, retain});
}

}  // namespace fabomatic::broker
