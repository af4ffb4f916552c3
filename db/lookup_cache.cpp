#include "db/lookup_cache.hpp"

#include "db/machine_types_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::db {

LookupCache::LookupCache(Connection& conn, LookupCacheOptions options)
    : conn_(conn), options_(options), generation_(conn.write_generation()) {}

void LookupCache::clear() {
  machines_.clear();
  machine_types_.clear();
  due_.clear();
  access_.clear();
  card_users_.clear();
  open_uses_.clear();
  entries_ = 0;
  access_entries_ = 0;
}

void LookupCache::revalidate() {
  bool stale = false;
  if (const auto generation = conn_.write_generation(); generation != generation_) {
    generation_ = generation;
    stale = true;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!data_version_ || now - checked_ >= options_.external_check_interval) {
    const auto version = conn_.data_version();
    stale = stale || version != data_version_;
    data_version_ = version;
    checked_ = now;
  }
  // A board inventing card numbers would otherwise grow the cache without end.
  if (entries_ >= options_.max_entries || access_entries_ >= options_.max_entries) stale = true;
  if (stale) clear();
}

template <class Map, class Key, class Load>
const typename Map::mapped_type& LookupCache::remember(Map& map, const Key& key,
                                                       std::size_t& entries, Load load) {
  if (auto it = map.find(key); it != map.end()) return it->second;
  ++misses_;
  auto value = load();  // may throw: nothing is remembered then
  ++entries;
  return map.emplace(typename Map::key_type(key), std::move(value)).first->second;
}

std::optional<Machine> LookupCache::machine(Id machine_id) {
  revalidate();
  return remember(machines_, machine_id, entries_,
                  [&] { return MachinesRepository(conn_).get(machine_id); });
}

std::optional<MachineType> LookupCache::machine_type(Id type_id) {
  revalidate();
  return remember(machine_types_, type_id, entries_,
                  [&] { return MachineTypesRepository(conn_).get(type_id); });
}

MachineDue LookupCache::due_plans(Id machine_id) {
  revalidate();
  return remember(due_, machine_id, entries_, [&] { return db::due_plans(conn_, machine_id); });
}

AccessDecision LookupCache::access(Id machine_id, std::string_view card) {
  revalidate();
  auto& cards = access_[machine_id];
  return remember(cards, card, access_entries_,
                  [&] { return decide_access(conn_, machine_id, card); });
}

std::optional<User> LookupCache::card_user(std::string_view card) {
  revalidate();
  return remember(card_users_, card, entries_,
                  [&] { return UsersRepository(conn_).by_card(card); });
}

std::optional<Use> LookupCache::open_use(Id machine_id) {
  revalidate();
  return remember(open_uses_, machine_id, entries_,
                  [&] { return UsesRepository(conn_).open_use(machine_id); });
}

}  // namespace fabomatic::db
