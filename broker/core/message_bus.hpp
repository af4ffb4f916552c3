// Publish/subscribe as the backend sees it. The embedded broker implements it in-process; an
// MQTT client to an external broker could implement it for sites that outgrow one box, so
// backend code is written against this, not against the broker.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "broker/core/message.hpp"

namespace fabomatic::broker {

class MessageBus {
 public:
  using Handler = std::function<void(const Message& message)>;
  using HandlerId = std::uint32_t;

  virtual ~MessageBus() = default;

  /// Publishes as the broker itself would: routed to every matching subscriber.
  virtual void publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
                       bool retain = false) = 0;

  /// Calls `handler` for every message published on a topic matching `filter` (a valid
  /// topic filter), while the message is also routed to subscribers as usual.
  virtual HandlerId subscribe(std::string_view filter, Handler handler) = 0;

  virtual void unsubscribe(HandlerId id) = 0;
};

}  // namespace fabomatic::broker
