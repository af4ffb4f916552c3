#include "db/roles_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr NamedTable kNamed = {"roles", "role_id", "role_name"};

constexpr std::string_view kColumns =
    "SELECT role_id, role_name, authorize_all, reserved, maintenance, backend_admin FROM roles";

Role read_role(const Statement& row) {
  Role role;
  role.id = row.get<Id>(0);
  role.name = row.get<std::string>(1);
  role.authorize_all = row.get<bool>(2);
  role.reserved = row.get<bool>(3);
  role.maintenance = row.get<bool>(4);
  role.backend_admin = row.get<bool>(5);
  return role;
}

std::optional<Role> read_one(CachedStatement stmt) {
  if (!stmt->step()) return std::nullopt;
  return read_role(*stmt);
}

constexpr ConstraintField kUniqueName[] = {{"roles.role_name", "name"}};

}  // namespace

Id RolesRepository::create(const Role& role) {
  return translating_conflicts(kUniqueName, [&] {
    refuse_name_of_another(conn_, kNamed, role.name, std::nullopt);
    conn_.execute(
        "INSERT INTO roles (role_name, authorize_all, reserved, maintenance, backend_admin) "
        "VALUES (?, ?, ?, ?, ?)",
        role.name, role.authorize_all, role.reserved, role.maintenance, role.backend_admin);
    return conn_.last_insert_rowid();
  });
}

std::optional<Role> RolesRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kColumns) + " WHERE role_id = ?");
  stmt->bind(1, id);
  return read_one(std::move(stmt));
}

std::optional<Role> RolesRepository::by_name(std::string_view name) {
  auto stmt = conn_.prepare_cached(std::string(kColumns) + " WHERE role_name = ?");
  stmt->bind(1, name);
  return read_one(std::move(stmt));
}

std::vector<Role> RolesRepository::list() {
  auto stmt = conn_.prepare_cached(std::string(kColumns) + " ORDER BY role_id");
  std::vector<Role> roles;
  while (stmt->step())
    roles.push_back(read_role(*stmt));
  return roles;
}

void RolesRepository::refuse_reserved(Id id) {
  if (conn_.query_optional<bool>("SELECT reserved FROM roles WHERE role_id = ?", id)
          .value_or(false))
    throw Conflict("reserved", "role " + std::to_string(id) + " is reserved");
}

bool RolesRepository::update(const Role& role) {
  refuse_reserved(role.id);
  return translating_conflicts(kUniqueName, [&] {
    refuse_name_of_another(conn_, kNamed, role.name, role.id);
    return conn_.execute(
               "UPDATE roles SET role_name = ?, authorize_all = ?, reserved = ?, maintenance = ?, "
               "backend_admin = ? WHERE role_id = ?",
               role.name, role.authorize_all, role.reserved, role.maintenance, role.backend_admin,
               role.id) == 1;
  });
}

bool RolesRepository::remove(Id id) {
  refuse_reserved(id);
  // The legacy schema has no ON DELETE rule; with foreign keys on, SQLite refuses the delete
  // while users reference the role, which surfaces as Conflict("references").
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    return conn_.execute("DELETE FROM roles WHERE role_id = ?", id) == 1;
  });
}

std::int64_t RolesRepository::count_users(Id id) {
  return conn_.query_one<std::int64_t>("SELECT COUNT(*) FROM users WHERE role_id = ?", id);
}

std::map<Id, std::int64_t> RolesRepository::user_counts() {
  return counts_by_id(conn_, "SELECT role_id, COUNT(*) FROM users GROUP BY role_id");
}

}  // namespace fabomatic::db
