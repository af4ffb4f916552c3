// Password reset by mailed link: a random 256-bit token, stored only as its SHA-256, valid for
// 30 minutes and once. Requested by the user (forgot password) or by an admin for a member;
// completed with the token and the new password, which ends every session of the user.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "db/models.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/principal.hpp"
#include "web/auth/sessions.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::web {

struct PasswordResetOptions {
  std::string portal_url;  // links are <portal_url>/#/reset?token=<token>
  std::chrono::minutes lifetime{30};
  std::string site_name = "FabLab";
};

class PasswordResets {
 public:
  PasswordResets(SessionAuth& auth, Mailer& mailer, AuditLog& audit, PasswordResetOptions options);

  /// Forgot password: mails a link when `email` belongs to an account that may sign in to the
  /// portal. Returns whether a mail was queued; the route's answer must not depend on it.
  bool request_for_email(std::string_view email);

  enum class AdminOutcome { sent, not_found, no_email, no_portal_access, mail_refused };
  /// Admin-triggered reset for a member (not deleted, with an e-mail, who may sign in: a link
  /// would set a password that opens nothing); audited as `by`.
  AdminOutcome request_for_user(db::Id user_id, const Principal& by);

  /// Whether `token` could still set a password now (known, unused, not expired): checked
  /// before the new password is hashed, so junk tokens cost no hashing.
  bool spendable(std::string_view token);
  /// Sets the token's user's password to `new_password_hash` (db::hash_password of a password
  /// the caller has validated; hashed away from the reactor). Nullopt (nothing changed) when
  /// the token is unknown, expired or used — it may have been spent while the hash was made.
  std::optional<db::Id> complete(std::string_view token, const std::string& new_password_hash,
                                 std::string_view remote_address);

  /// The link that a mail for `token` carries.
  std::string link(std::string_view token) const;

 private:
  bool issue(const db::User& user);

  SessionAuth& auth_;
  Mailer& mailer_;
  AuditLog& audit_;
  PasswordResetOptions options_;
};

}  // namespace fabomatic::web
