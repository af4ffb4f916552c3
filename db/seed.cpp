#include "db/seed.hpp"

namespace fabomatic::db {

namespace {

std::int64_t insert_role(Connection& conn, std::string_view name, bool authorize_all, bool reserved,
                         bool maintenance, bool backend_admin) {
  conn.execute(
      "INSERT INTO roles (role_name, authorize_all, reserved, maintenance, backend_admin) "
      "VALUES (?, ?, ?, ?, ?)",
      name, authorize_all, reserved, maintenance, backend_admin);
  return conn.last_insert_rowid();
}

std::int64_t anonymous_role(Connection& conn) {
  if (auto id = conn.query_optional<std::int64_t>("SELECT role_id FROM roles WHERE role_name = ?",
                                                  kAnonymousRoleName))
    return *id;
  return insert_role(conn, kAnonymousRoleName, false, true, false, false);
}

void insert_anonymous_user(Connection& conn, std::int64_t role_id) {
  // Disabled and without card or password: it only stands in for purged history.
  conn.execute(
      "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted, "
      "password_hash, email) VALUES (?, ?, ?, NULL, 1, 0, NULL, NULL)",
      kAnonymousUserName, kAnonymousUserName, role_id);
}

}  // namespace

void seed_new_database(Connection& conn, std::string_view admin_email) {
  conn.execute(
      "INSERT INTO machine_types (type_name, type_timeout_min, grace_period_min, "
      "access_management) VALUES ('Default type', 480, 2, 0)");
  const auto type_id = conn.last_insert_rowid();

  const auto admins = insert_role(conn, "admins", true, true, true, true);
  insert_role(conn, "Fab Staff", true, false, true, false);
  // Members need an authorization per machine: "authorize all" is the super-user flag, which the
  // Python tool also gave its "Fab Users" seed, so every new member could use every machine.
  insert_role(conn, "Fab Users", false, false, false, false);
  const auto anonymous = insert_role(conn, kAnonymousRoleName, false, true, false, false);

  conn.execute(
      "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted, "
      "password_hash, email, password_change_required) VALUES ('admin', 'admin', ?, NULL, 0, 0, "
      "NULL, ?, 0)",
      admins, admin_email);
  insert_anonymous_user(conn, anonymous);

  conn.execute(
      "INSERT INTO machines (machine_name, machine_type_id, machine_hours, blocked, last_seen) "
      "VALUES ('MACHINE1', ?, 0.0, 0, NULL)",
      type_id);
}

std::optional<std::int64_t> anonymous_user_id(Connection& conn) {
  return conn.query_optional<std::int64_t>(
      "SELECT u.user_id FROM users u JOIN roles r ON r.role_id = u.role_id "
      "WHERE r.role_name = ? ORDER BY u.user_id LIMIT 1",
      kAnonymousRoleName);
}

bool ensure_anonymous(Connection& conn) {
  if (anonymous_user_id(conn)) return false;
  insert_anonymous_user(conn, anonymous_role(conn));
  return true;
}

}  // namespace fabomatic::db
