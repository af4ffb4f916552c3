#include "db/portal_access.hpp"

#include <algorithm>
#include <map>

#include "db/roles_repository.hpp"
#include "db/seed.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::db {

bool PortalGrantsRepository::grant(Id user_id, Timestamp now, std::string_view reason) {
  return conn_.execute(
             "INSERT INTO portal_grants (user_id, granted, reason) VALUES (?, ?, ?) "
             "ON CONFLICT (user_id) DO NOTHING",
             user_id, now, std::string(reason)) == 1;
}

bool PortalGrantsRepository::revoke(Id user_id) {
  return conn_.execute("DELETE FROM portal_grants WHERE user_id = ?", user_id) == 1;
}

std::optional<PortalGrant> PortalGrantsRepository::get(Id user_id) {
  auto stmt =
      conn_.prepare_cached("SELECT user_id, granted, reason FROM portal_grants WHERE user_id = ?");
  stmt->bind(1, user_id);
  if (!stmt->step()) return std::nullopt;
  return PortalGrant{stmt->get<Id>(0), stmt->get<double>(1), stmt->get<std::string>(2)};
}

PortalVia portal_via(Connection& conn, const User& user) {
  if (const auto role = RolesRepository(conn).get(user.role_id); role && role->backend_admin) {
    return PortalVia::role;
  }
  return PortalGrantsRepository(conn).get(user.id) ? PortalVia::grant : PortalVia::none;
}

std::vector<SignInAccount> sign_in_accounts(Connection& conn) {
  std::vector<Id> ids;
  {
    auto stmt = conn.prepare_cached(
        "SELECT u.user_id FROM users u JOIN roles r ON r.role_id = u.role_id "
        "WHERE u.deleted = 0 AND u.disabled = 0 AND u.email IS NOT NULL AND u.email <> '' "
        "AND (r.backend_admin <> 0 OR u.user_id IN (SELECT user_id FROM portal_grants)) "
        "ORDER BY u.user_id");
    while (stmt->step())
      ids.push_back(stmt->get<Id>(0));
  }
  std::map<Id, Role> roles;
  for (auto& role : RolesRepository(conn).list())
    roles.emplace(role.id, std::move(role));
  std::vector<SignInAccount> accounts;
  for (auto& user : UsersRepository(conn).get_many(ids)) {
    SignInAccount account;
    const auto role = roles.find(user.role_id);
    if (role != roles.end()) account.role_name = role->second.name;
    account.via =
        role != roles.end() && role->second.backend_admin ? PortalVia::role : PortalVia::grant;
    account.user = std::move(user);
    accounts.push_back(std::move(account));
  }
  std::sort(accounts.begin(), accounts.end(),
            [](const auto& a, const auto& b) { return a.user.id < b.user.id; });
  return accounts;
}

std::vector<Id> grant_portal_to_legacy_admins(Connection& conn, Timestamp now) {
  std::vector<Id> ids;
  {
    auto stmt = conn.prepare_cached(
        "SELECT u.user_id FROM users u JOIN roles r ON r.role_id = u.role_id "
        "WHERE u.deleted = 0 AND r.authorize_all <> 0 AND r.backend_admin = 0 "
        "AND r.role_name <> ? ORDER BY u.user_id");
    stmt->bind(1, kAnonymousRoleName);
    while (stmt->step())
      ids.push_back(stmt->get<Id>(0));
  }
  PortalGrantsRepository grants(conn);
  for (const Id id : ids)
    grants.grant(id, now, "legacy upgrade");
  return ids;
}

}  // namespace fabomatic::db
