// Roles: name and the four flags that decide what a member may do.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

class RolesRepository {
 public:
  explicit RolesRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. Conflict("name") when the name is taken.
  Id create(const Role& role);
  std::optional<Role> get(Id id);
  std::optional<Role> by_name(std::string_view name);
  // All roles in id order (a lab has a handful).
  std::vector<Role> list();

  // False when there is no such role. Conflict("reserved") for a reserved role,
  // Conflict("name") when the new name is taken.
  bool update(const Role& role);
  // False when there is no such role. Conflict("reserved") for a reserved role,
  // Conflict("references") while users still have it.
  bool remove(Id id);

  // Users (deleted ones included: they keep their role) that have this role.
  std::int64_t count_users(Id id);
  // count_users() of every role that has users, in one pass over the users (a role absent has
  // none).
  std::map<Id, std::int64_t> user_counts();

 private:
  void refuse_reserved(Id id);

  Connection& conn_;
};

}  // namespace fabomatic::db
