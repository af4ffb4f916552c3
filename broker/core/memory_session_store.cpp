#include <string>
#include <unordered_map>
#include <vector>

#include "broker/core/session_store.hpp"

namespace fabomatic::broker {

namespace {

class MemorySessionStore final : public SessionStore {
 public:
  Session* find(std::string_view client_id) override {
    const auto it = by_client_id_.find(client_id);
    return it == by_client_id_.end() ? nullptr : it->second;
  }

  Session* find(SubscriberId id) override {
    return id < slots_.size() ? slots_[id].get() : nullptr;
  }

  Session& create(std::string_view client_id, bool clean) override {
    SubscriberId id;
    if (!free_ids_.empty()) {
      id = free_ids_.back();
      free_ids_.pop_back();
    } else {
      id = static_cast<SubscriberId>(slots_.size());
      slots_.emplace_back();
    }
    auto session = std::make_unique<Session>();
    session->id = id;
    session->client_id = std::string(client_id);
    session->clean = clean;
    Session& ref = *session;
    slots_[id] = std::move(session);
    by_client_id_.emplace(ref.client_id, &ref);
    return ref;
  }

  void erase(Session& session) override {
    const SubscriberId id = session.id;
    by_client_id_.erase(session.client_id);
    slots_[id].reset();  // destroys `session`
    free_ids_.push_back(id);
  }

  std::size_t size() const override { return by_client_id_.size(); }

  void for_each(const std::function<void(Session&)>& visit) override {
    for (auto& slot : slots_) {
      if (slot) visit(*slot);
    }
  }

 private:
  // Ids index a slot vector so that routing turns a subscriber id into its session in O(1).
  std::vector<std::unique_ptr<Session>> slots_;
  std::vector<SubscriberId> free_ids_;
  // Keyed by a view of the session's own client_id (sessions never move: they are heap
  // objects), so each client id is stored once.
  std::unordered_map<std::string_view, Session*> by_client_id_;
};

}  // namespace

std::unique_ptr<SessionStore> make_memory_session_store() {
  return std::make_unique<MemorySessionStore>();
}

}  // namespace fabomatic::broker
