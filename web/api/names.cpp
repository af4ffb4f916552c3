#include "web/api/names.hpp"

#include <span>

#include "db/machines_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::web::api {

namespace {

std::string display_name(const db::User& user) {
  return user.surname.empty() ? user.name : user.name + " " + user.surname;
}
std::string display_name(const db::Machine& machine) {
  return machine.name;
}
std::string display_name(const db::MaintenancePlan& plan) {
  return plan.description;
}

// The name of `id`, read with `get` the first time (an id of no row is named "").
template <class Get>
const std::string& lookup(std::map<db::Id, std::string>& known, db::Id id, const Get& get) {
  auto it = known.find(id);
  if (it == known.end()) {
    const auto row = get(id);
    it = known.emplace(id, row ? display_name(*row) : "").first;
  }
  return it->second;
}

// Reads the names of the ids not known yet with one call of `get_many`; ids of no row are
// remembered as "", as lookup() would.
template <class GetMany>
void load(std::map<db::Id, std::string>& known, const std::vector<db::Id>& ids,
          const GetMany& get_many) {
  std::vector<db::Id> missing;
  for (const db::Id id : ids) {
    if (!known.contains(id)) missing.push_back(id);
  }
  if (missing.empty()) return;
  for (const auto& row : get_many(std::span<const db::Id>(missing)))
    known.emplace(row.id, display_name(row));
  for (const db::Id id : missing)
    known.emplace(id, "");  // no effect for the ids just read
}

}  // namespace

void Names::preload_ids(const std::vector<db::Id>& members, const std::vector<db::Id>& machines,
                        const std::vector<db::Id>& plans) {
  load(members_, members, [&](auto ids) { return db::UsersRepository(db_).get_many(ids); });
  load(machines_, machines, [&](auto ids) { return db::MachinesRepository(db_).get_many(ids); });
  load(plans_, plans, [&](auto ids) { return db::MaintenancesRepository(db_).get_many(ids); });
}

const std::string& Names::member(db::Id id) {
  return lookup(members_, id, [&](db::Id i) { return db::UsersRepository(db_).get(i); });
}

const std::string& Names::machine(db::Id id) {
  return lookup(machines_, id, [&](db::Id i) { return db::MachinesRepository(db_).get(i); });
}

const std::string& Names::plan(db::Id id) {
  return lookup(plans_, id, [&](db::Id i) { return db::MaintenancesRepository(db_).get(i); });
}

}  // namespace fabomatic::web::api
