#include "web/auth/account.hpp"

#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::web {

namespace {

std::optional<PortalAccount> with_role(db::Connection& db, std::optional<db::User> user) {
  if (!user) return std::nullopt;
  PortalAccount account{std::move(*user), false};
  if (const auto role = db::RolesRepository(db).get(account.user.role_id))
    account.backend_admin = role->backend_admin;
  return account;
}

}  // namespace

bool PortalAccount::may_sign_in() const {
  return backend_admin && !user.disabled && !user.deleted && user.email && !user.email->empty();
}

std::string PortalAccount::display_name() const {
  if (user.surname.empty()) return user.name;
  if (user.name.empty()) return user.surname;
  return user.name + " " + user.surname;
}

std::optional<PortalAccount> load_account(db::Connection& db, db::Id user_id) {
  return with_role(db, db::UsersRepository(db).get(user_id));
}

std::optional<PortalAccount> find_account(db::Connection& db, std::string_view email) {
  if (email.empty()) return std::nullopt;
  return with_role(db, db::UsersRepository(db).by_email(email));
}

}  // namespace fabomatic::web
