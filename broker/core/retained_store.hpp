// Retained messages (MQTT 3.1.1 section 3.3.1.3), behind an interface so that a later change
// can keep them across restarts without touching the broker core.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "broker/core/message.hpp"

namespace fabomatic::broker {

class RetainedStore {
 public:
  virtual ~RetainedStore() = default;

  /// Stores `message` as the retained message of its topic, replacing any previous one
  /// (MQTT-3.3.1-5). A message with an empty payload removes the topic instead
  /// (MQTT-3.3.1-10, -11). Returns false when a limit of the store refused it (the previous
  /// message of the topic, if any, is kept then).
  virtual bool store(const MessagePtr& message) = 0;

  /// Calls `visit` for every retained message whose topic matches `filter`, a valid filter
  /// (including the '$' rule of MQTT-4.7.2-1).
  virtual void match(std::string_view filter,
                     const std::function<void(const MessagePtr&)>& visit) const = 0;

  virtual std::size_t size() const = 0;
  /// Bytes of topic and payload held.
  virtual std::size_t bytes() const = 0;
};

/// How much a store may hold: a message that would take it beyond is refused.
struct RetainedLimits {
  std::size_t max_messages = static_cast<std::size_t>(-1);
  std::size_t max_bytes = static_cast<std::size_t>(-1);  // topic + payload
};

/// In-memory store: a tree by topic level, so a subscription with a filter visits only the
/// branches it can match.
std::unique_ptr<RetainedStore> make_memory_retained_store(RetainedLimits limits = {});

}  // namespace fabomatic::broker
