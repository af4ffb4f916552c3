#include "web/auth/rate_limit.hpp"

#include <algorithm>

namespace fabomatic::web {

FailureLimiter::FailureLimiter(std::size_t max_failures, Clock::duration window,
                               std::size_t max_keys)
    : max_failures_(std::max<std::size_t>(max_failures, 1)),
      window_(window),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void FailureLimiter::expire(Entry& entry, Clock::time_point now) const {
  while (!entry.failures.empty() && entry.failures.front() + window_ <= now)
    entry.failures.pop_front();
}

void FailureLimiter::touch(Entry& entry) {
  recency_.splice(recency_.end(), recency_, entry.position);
}

std::optional<std::chrono::seconds> FailureLimiter::blocked(std::string_view key,
                                                            Clock::time_point now) {
  const auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return std::nullopt;
  Entry& entry = it->second;
  expire(entry, now);
  if (entry.failures.empty()) {
    recency_.erase(entry.position);
    entries_.erase(it);
    return std::nullopt;
  }
  if (entry.failures.size() < max_failures_) return std::nullopt;
  const auto left = entry.failures.front() + window_ - now;
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(left);
  return std::max(seconds, std::chrono::seconds(1));
}

void FailureLimiter::record_failure(std::string_view key, Clock::time_point now) {
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      entries_.erase(recency_.front());
      recency_.pop_front();
    }
    recency_.emplace_back(key);
    it = entries_.emplace(std::string(key), Entry{{}, std::prev(recency_.end())}).first;
  }
  Entry& entry = it->second;
  expire(entry, now);
  entry.failures.push_back(now);
  // Only the newest max_failures matter: the block lasts until the oldest of them expires.
  while (entry.failures.size() > max_failures_)
    entry.failures.pop_front();
  touch(entry);
}

void FailureLimiter::forgive(std::string_view key) {
  const auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return;
  if (!it->second.failures.empty()) it->second.failures.pop_back();
  if (it->second.failures.empty()) reset(key);
}

void FailureLimiter::reset(std::string_view key) {
  const auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return;
  recency_.erase(it->second.position);
  entries_.erase(it);
}

}  // namespace fabomatic::web
