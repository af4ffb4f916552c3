// Counting failures per key (a client address, an account's e-mail) in a sliding window: after
// `max_failures` within `window` the key is blocked until its oldest failure leaves the window.
// In memory and bounded: at most `max_keys` keys are tracked; beyond that the key whose last
// failure is oldest is forgotten (an attacker spraying many keys can only make the limiter
// forget, never grow).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fabomatic::web {

class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  FailureLimiter(std::size_t max_failures, Clock::duration window, std::size_t max_keys);

  /// How long `key` stays blocked (rounded up to whole seconds, at least 1); nullopt when it
  /// may try.
  std::optional<std::chrono::seconds> blocked(std::string_view key, Clock::time_point now);
  void record_failure(std::string_view key, Clock::time_point now);
  /// Forgets the key's failures (after a success).
  void reset(std::string_view key);
  /// Takes back the key's newest failure: one recorded before the check it stood for, when the
  /// check succeeded (or never ran).
  void forgive(std::string_view key);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;  // at most max_failures, oldest first
    std::list<std::string>::iterator position;
  };
  void expire(Entry& entry, Clock::time_point now) const;
  void touch(Entry& entry);

  std::size_t max_failures_;
  Clock::duration window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> recency_;  // least recently failed first
};

}  // namespace fabomatic::web
