#include "db/reset_tokens_repository.hpp"

namespace fabomatic::db {

bool store_chosen_password(Connection& conn, Id user_id, std::string_view hash) {
  return conn.execute(
             "UPDATE users SET password_hash = ?, password_change_required = 0 WHERE user_id = ?",
             hash, user_id) == 1;
}

void ResetTokensRepository::insert(const ResetToken& token) {
  conn_.execute(
      "INSERT INTO password_reset_tokens (token_hash, user_id, created, expires, used) "
      "VALUES (?, ?, ?, ?, ?)",
      token.token_hash, token.user_id, token.created, token.expires, token.used);
}

std::optional<ResetToken> ResetTokensRepository::get(std::string_view token_hash) {
  auto stmt = conn_.prepare_cached(
      "SELECT token_hash, user_id, created, expires, used FROM password_reset_tokens "
      "WHERE token_hash = ?");
  stmt->bind(1, token_hash);
  if (!stmt->step()) return std::nullopt;
  return ResetToken{stmt->get<std::string>(0), stmt->get<Id>(1), stmt->get<Timestamp>(2),
                    stmt->get<Timestamp>(3), stmt->get<std::optional<Timestamp>>(4)};
}

std::optional<Id> ResetTokensRepository::consume(std::string_view token_hash, Timestamp now) {
  // One statement decides and marks, so a token cannot be spent twice even by two connections.
  const int changed = conn_.execute(
      "UPDATE password_reset_tokens SET used = ? "
      "WHERE token_hash = ? AND used IS NULL AND expires > ?",
      now, token_hash, now);
  if (changed == 0) return std::nullopt;
  return conn_.query_optional<Id>("SELECT user_id FROM password_reset_tokens WHERE token_hash = ?",
                                  token_hash);
}

int ResetTokensRepository::revoke_for_user(Id user_id, Timestamp now) {
  return conn_.execute(
      "UPDATE password_reset_tokens SET used = ? WHERE user_id = ? AND used IS NULL", now, user_id);
}

int ResetTokensRepository::purge_expired(Timestamp now) {
  return conn_.execute("DELETE FROM password_reset_tokens WHERE expires < ?", now);
}

}  // namespace fabomatic::db
