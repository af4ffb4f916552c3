// Shared set-up of the repository tests: a fresh database file with the current schema (head
// tables plus our steps, no seed rows, so each test knows every row) and short-hands to add
// the rows a test needs. Header-only: test_db compiles only *_test.cpp and support_*.cpp.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "db/machine_types_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/migrations.hpp"
#include "db/models.hpp"
#include "db/roles_repository.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "db/users_repository.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db::test {

inline Connection open_fresh(const std::string& path) {
  // No fsync: these files die with the test, and it keeps the suite fast.
  Connection conn(path, ConnectionOptions{.wal = false, .synchronous = Synchronous::Off});
  Transaction tx(conn);
  schema::create_head_schema(conn);
  apply_our_steps(conn, 0);
  tx.commit();
  return conn;
}

class RepoTest : public ::testing::Test {
 protected:
  TempDir dir;
  Connection conn = open_fresh(dir.file("test.db"));

  Id add_role(const std::string& name, bool authorize_all = false, bool maintenance = false) {
    return RolesRepository(conn).create(
        Role{.name = name, .authorize_all = authorize_all, .maintenance = maintenance});
  }
  Id add_user(const std::string& name, Id role_id, std::optional<std::string> card) {
    return UsersRepository(conn).create(
        User{.name = name, .surname = name + "son", .role_id = role_id, .card = std::move(card)});
  }
  Id add_type(const std::string& name, std::int64_t access_management = 0) {
    return MachineTypesRepository(conn).create(MachineType{.name = name,
                                                           .timeout_min = 60,
                                                           .grace_period_min = 2,
                                                           .access_management = access_management});
  }
  Id add_machine(const std::string& name, std::optional<Id> type_id = std::nullopt) {
    return MachinesRepository(conn).create(Machine{.name = name, .type_id = type_id});
  }
  double machine_hours(Id machine_id) {
    return MachinesRepository(conn).get(machine_id).value().hours;
  }
  std::int64_t count_rows(const std::string& table) {
    return conn.query_one<std::int64_t>("SELECT COUNT(*) FROM " + table);
  }
};

}  // namespace fabomatic::db::test
