// Which member may use which machine (pairs; see access.hpp for the whole decision).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

enum class AuthorizationSort { Id, User, Machine };

struct AuthorizationFilter {
  std::optional<Id> user_id;
  std::optional<Id> machine_id;
  AuthorizationSort sort = AuthorizationSort::Id;
  bool descending = false;
};

class AuthorizationsRepository {
 public:
  explicit AuthorizationsRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. Conflict("user_machine") when the pair exists,
  // Conflict("references") when the user or the machine does not.
  Id create(Id user_id, Id machine_id);
  std::optional<Authorization> get(Id id);
  bool exists(Id user_id, Id machine_id);
  std::vector<Authorization> list(const AuthorizationFilter& filter = {}, const Page& page = {});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // (a cursor: memory does not grow with the rows; exports).
  void each(const AuthorizationFilter& filter,
            const std::function<void(const Authorization&)>& row);
  std::int64_t count(const AuthorizationFilter& filter = {});

  // Moves an authorization to another pair; conflicts as for create.
  bool update(const Authorization& authorization);
  bool remove(Id id);
  bool remove_pair(Id user_id, Id machine_id);

  // Authorizes every listed user on the machine in one transaction, skipping pairs that exist
  // (and repeated ids). Returns how many were added. Conflict("references") (and nothing
  // added) when a user or the machine does not exist.
  std::int64_t bulk_add(Id machine_id, std::span<const Id> user_ids);
  // Removes the listed authorizations in one transaction; returns how many existed.
  std::int64_t bulk_remove(std::span<const Id> authorization_ids);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
