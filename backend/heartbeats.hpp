// The "still here" times that boards refresh with nearly every message — machines.last_seen on
// checkmachine, uses.last_seen on inuse — kept in memory and written together: at most once a
// second, and always before anything that reads or rewrites them (a use starting, stopping or
// going stale, a purge, shutdown). The query that refreshes them is then a read-only
// transaction, so a board's reply never waits for a page write. A power cut loses at most that
// second of "last seen", never a use, an authorization or an hour of machine time.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace fabomatic::db {
class Connection;
}

namespace fabomatic::backend {

class Heartbeats {
 public:
  void machine_seen(std::int64_t machine_id, double when) { machines_[machine_id] = when; }
  void use_seen(std::int64_t use_id, double when) { uses_[use_id] = when; }
  bool empty() const { return machines_.empty() && uses_.empty(); }

  /// Writes what is pending into the open transaction of `db` (or in one of its own) and
  /// forgets it. A use closed meanwhile keeps its own last_seen (only open uses are refreshed).
  void write(db::Connection& db);

 private:
  std::unordered_map<std::int64_t, double> machines_;
  std::unordered_map<std::int64_t, double> uses_;
};

}  // namespace fabomatic::backend
