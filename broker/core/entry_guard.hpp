// Internal to the broker core. Every public entry point of Broker holds one: connections closed
// during the call are freed only when the outermost call returns, so no handler ever sees a
// dangling ClientConnection, however deeply interceptors publish from inside a publish.
#pragma once

#include "broker/core/broker.hpp"

namespace fabomatic::broker {

class EntryGuard {
 public:
  explicit EntryGuard(Broker& broker) : broker_(broker) { ++broker_.depth_; }
  ~EntryGuard() {
    if (--broker_.depth_ == 0) broker_.closed_.clear();
  }
  EntryGuard(const EntryGuard&) = delete;
  EntryGuard& operator=(const EntryGuard&) = delete;

 private:
  Broker& broker_;
};

}  // namespace fabomatic::broker
