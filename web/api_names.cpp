#include "web/api_names.hpp"

#include "db/machines_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::web::api {

const std::string& Names::member(db::Id id) {
  auto it = members_.find(id);
  if (it == members_.end()) {
    const auto user = db::UsersRepository(db_).get(id);
    std::string name;
    if (user) name = user->surname.empty() ? user->name : user->name + " " + user->surname;
    it = members_.emplace(id, std::move(name)).first;
  }
  return it->second;
}

const std::string& Names::machine(db::Id id) {
  auto it = machines_.find(id);
  if (it == machines_.end()) {
    const auto machine = db::MachinesRepository(db_).get(id);
    it = machines_.emplace(id, machine ? machine->name : "").first;
  }
  return it->second;
}

const std::string& Names::plan(db::Id id) {
  auto it = plans_.find(id);
  if (it == plans_.end()) {
    const auto plan = db::MaintenancesRepository(db_).get(id);
    it = plans_.emplace(id, plan ? plan->description : "").first;
  }
  return it->second;
}

}  // namespace fabomatic::web::api
