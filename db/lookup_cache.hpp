// The lookups behind a board's frequent queries (checkmachine, checkuser, inuse), remembered
// until the database changes.
//
// Boards ask the same few questions all day — is machine 7 blocked, is this card allowed on it,
// is its use still open — and the answers change only when someone writes. Reading them from
// SQLite every time cost most of a reply's CPU (a read transaction's file locks, a handful of
// statements); here they are read once and kept. Everything is dropped at once when
//  - this connection changed rows or rolled back (Connection::write_generation), or
//  - another connection or process committed (PRAGMA data_version, looked at no more often than
//    `external_check_interval`, so an edit made with another tool is seen within that time).
// It holds at most `max_entries` answers (and as many access decisions); beyond, it starts again
// empty, so a board inventing card numbers cannot grow it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "db/access.hpp"
#include "db/maintenance_due.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct LookupCacheOptions {
  std::chrono::steady_clock::duration external_check_interval = std::chrono::seconds(1);
  std::size_t max_entries = 4096;
};

class LookupCache {
 public:
  explicit LookupCache(Connection& conn, LookupCacheOptions options = {});

  // Each as its repository or function would answer it now. Copies: any later call may find
  // the database changed and drop what an earlier one returned.
  std::optional<Machine> machine(Id machine_id);                // MachinesRepository::get
  std::optional<MachineType> machine_type(Id type_id);          // MachineTypesRepository::get
  MachineDue due_plans(Id machine_id);                          // db::due_plans
  AccessDecision access(Id machine_id, std::string_view card);  // db::decide_access
  std::optional<User> card_user(std::string_view card);         // UsersRepository::by_card
  std::optional<Use> open_use(Id machine_id);                   // UsesRepository::open_use

  Connection& connection() const noexcept { return conn_; }

  // Runs `write`, whose changes touch nothing the cache answers from but last-seen times (the
  // boards' heartbeats, written every second): what was current before stays current after,
  // instead of every board's next answer reading the database again. So the last_seen of
  // machine() and open_use() is as of when they were read; no caller looks at it.
  template <class Write>
  void write_last_seen(Write&& write) {
    const bool current = generation_ == conn_.write_generation();
    write();
    if (current) generation_ = conn_.write_generation();
  }

  // Times a lookup had to ask the database (for tests and /metrics-style curiosity).
  std::uint64_t misses() const noexcept { return misses_; }

 private:
  // Drops everything when the database may have changed since it was read.
  void revalidate();
  void clear();
  // The entry of `key` in `map`, loaded (and counted in `entries`) when absent.
  template <class Map, class Key, class Load>
  const typename Map::mapped_type& remember(Map& map, const Key& key, std::size_t& entries,
                                            Load load);

  Connection& conn_;
  LookupCacheOptions options_;
  std::uint64_t generation_ = 0;
  std::optional<std::int64_t> data_version_;
  std::chrono::steady_clock::time_point checked_{};
  std::uint64_t misses_ = 0;

  std::size_t entries_ = 0;  // in the maps but access_
  std::unordered_map<Id, std::optional<Machine>> machines_;
  std::unordered_map<Id, std::optional<MachineType>> machine_types_;
  std::unordered_map<Id, MachineDue> due_;
  std::unordered_map<Id, std::map<std::string, AccessDecision, std::less<>>> access_;
  std::size_t access_entries_ = 0;
  std::map<std::string, std::optional<User>, std::less<>> card_users_;
  std::unordered_map<Id, std::optional<Use>> open_uses_;
};

}  // namespace fabomatic::db
