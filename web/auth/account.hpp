// A member as sign-in sees them: the user row and whether they have the portal (their role's
// backend admin right, or a grant of their own: db/portal_access.hpp). The one place that
// decides who may sign in (login, every session lookup, reset mails).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web {

struct PortalAccount {
  db::User user;
  bool backend_admin = false;  // of the user's role
  bool granted = false;        // the portal granted to this member on its own

  /// The portal (backend-admin role or a grant), not disabled, not deleted, has an e-mail.
  bool may_sign_in() const;
  /// What a session remembers of the account's credentials: when the password or the e-mail
  /// changes (the portal, `fabomatic admin`, a reset), its sessions end.
  std::string credentials() const;
  std::string display_name() const;  // "name surname"
  std::string email() const { return user.email.value_or(""); }
};

std::optional<PortalAccount> load_account(db::Connection& db, db::Id user_id);
/// By e-mail, case-insensitively, among users that are not deleted.
std::optional<PortalAccount> find_account(db::Connection& db, std::string_view email);

}  // namespace fabomatic::web
