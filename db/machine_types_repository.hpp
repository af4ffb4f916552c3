// Machine types: auto-logoff, power-off grace and whether machines of the type need an
// authorization at all.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

class MachineTypesRepository {
 public:
  explicit MachineTypesRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. Conflict("name") when the name is taken.
  Id create(const MachineType& type);
  std::optional<MachineType> get(Id id);
  std::optional<MachineType> by_name(std::string_view name);
  // All types in id order.
  std::vector<MachineType> list();

  // False when there is no such type. Conflict("name") when the new name is taken.
  bool update(const MachineType& type);
  // False when there is no such type. Conflict("references") while machines have this type.
  bool remove(Id id);

  std::int64_t count_machines(Id id);
  // count_machines() of every type that has machines, in one query (a type absent has none).
  std::map<Id, std::int64_t> machine_counts();

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
