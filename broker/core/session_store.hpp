// Where sessions live, behind an interface so that a later change can keep persistent
// sessions across restarts without touching the broker core.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "broker/core/session.hpp"

namespace fabomatic::broker {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  virtual Session* find(std::string_view client_id) = 0;
  virtual Session* find(SubscriberId id) = 0;

  /// Creates an empty session for `client_id`, which must not have one, with a fresh id.
  virtual Session& create(std::string_view client_id, bool clean) = 0;

  /// Destroys the session; its subscriptions must already be out of the subscription tree.
  virtual void erase(Session& session) = 0;

  virtual std::size_t size() const = 0;
  virtual void for_each(const std::function<void(Session&)>& visit) = 0;
};

std::unique_ptr<SessionStore> make_memory_session_store();

}  // namespace fabomatic::broker
