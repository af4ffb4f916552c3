#include "web/auth/password_reset.hpp"

#include "db/passwords.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/users_repository.hpp"
#include "web/auth/account.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

PasswordResets::PasswordResets(SessionAuth& auth, Mailer& mailer, AuditLog& audit,
                               PasswordResetOptions options)
    : auth_(auth), mailer_(mailer), audit_(audit), options_(std::move(options)) {}

std::string PasswordResets::link(std::string_view token) const {
  return options_.portal_url + "/#/reset?token=" + std::string(token);
}

bool PasswordResets::issue(const db::User& user) {
  auto& db = auth_.database();
  const double now = auth_.clock().unix_seconds();
  const std::string token = random_token(32);
  {
    db::Transaction tx(db);
    db::ResetTokensRepository tokens(db);
    tokens.purge_expired(now);
    tokens.insert(db::ResetToken{token_digest(token), user.id, now,
                                 now + std::chrono::duration<double>(options_.lifetime).count(),
                                 std::nullopt});
    tx.commit();
  }
  const auto minutes = std::to_string(options_.lifetime.count());
  std::string text = "Hello " + user.name + ",\n\n" +
                     "someone (hopefully you) asked to set a new password for your " +
                     options_.site_name + " portal account " + user.email.value_or("") +
                     ".\n\nOpen this link within " + minutes +
                     " minutes to choose it (it works once):\n\n" + link(token) +
                     "\n\nIf you did not ask for this, ignore this mail: your password stays as "
                     "it is.\n";
  return mailer_.send(user.email.value_or(""), options_.site_name + ": set a new password",
                      std::move(text));
}

bool PasswordResets::request_for_email(std::string_view email) {
  const auto account = find_account(auth_.database(), email);
  if (!account || !account->may_sign_in()) return false;
  return issue(account->user);
}

PasswordResets::AdminOutcome PasswordResets::request_for_user(db::Id user_id, const Principal& by) {
  const auto user = db::UsersRepository(auth_.database()).get(user_id);
  if (!user || user->deleted) return AdminOutcome::not_found;
  if (!user->email || user->email->empty()) return AdminOutcome::no_email;
  const auto account = load_account(auth_.database(), user_id);
  if (!account || !account->may_sign_in()) return AdminOutcome::no_portal_access;
  if (!issue(*user)) return AdminOutcome::mail_refused;
  audit_.record(by, "password_reset_requested", "user", user_id, std::nullopt, std::nullopt);
  return AdminOutcome::sent;
}

bool PasswordResets::spendable(std::string_view token) {
  const auto stored = db::ResetTokensRepository(auth_.database()).get(token_digest(token));
  return stored && !stored->used && stored->expires > auth_.clock().unix_seconds();
}

std::optional<db::Id> PasswordResets::complete(std::string_view token,
                                               const std::string& new_password_hash,
                                               std::string_view remote_address) {
  auto& db = auth_.database();
  const double now = auth_.clock().unix_seconds();
  const std::string digest = token_digest(token);
  db::Transaction tx(db);
  db::ResetTokensRepository tokens(db);
  const auto user_id = tokens.consume(digest, now);
  if (!user_id) return std::nullopt;
  const auto user = db::UsersRepository(db).get(*user_id);
  if (!user || user->deleted) return std::nullopt;  // rolls back: the token stays unspent
  // The user has just chosen this password: no change is due any more.
  db::store_chosen_password(db, *user_id, new_password_hash);
  tokens.revoke_for_user(*user_id, now);  // other links mailed earlier die with this one
  audit_.record_unauthenticated(*user_id, user->email.value_or(""), remote_address,
                                "password_reset", "user", *user_id);
  tx.commit();
  auth_.close_user_sessions(*user_id);
  return user_id;
}

}  // namespace fabomatic::web
