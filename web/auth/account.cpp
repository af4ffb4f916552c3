#include "web/auth/account.hpp"

#include "common/text.hpp"
#include "db/portal_access.hpp"
#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

namespace {

std::optional<PortalAccount> with_role(db::Connection& db, std::optional<db::User> user) {
  if (!user) return std::nullopt;
  PortalAccount account{std::move(*user), false, false};
  if (const auto role = db::RolesRepository(db).get(account.user.role_id))
    account.backend_admin = role->backend_admin;
  if (!account.backend_admin)
    account.granted = db::PortalGrantsRepository(db).get(account.user.id).has_value();
  return account;
}

}  // namespace

bool PortalAccount::may_sign_in() const {
  return (backend_admin || granted) && !user.disabled && !user.deleted && user.email &&
         !user.email->empty();
}

std::string PortalAccount::credentials() const {
  return token_digest(text::ascii_lowercase(user.email.value_or("")) + '\n' +
                      user.password_hash.value_or(""));
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
