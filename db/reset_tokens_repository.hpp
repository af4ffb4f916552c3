// Password reset tokens (table of ours). Only the SHA-256 of a token is stored: a copy of the
// database does not let anyone reset a password.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct ResetToken {
  std::string token_hash;  // hex SHA-256 of the token
  Id user_id = 0;
  Timestamp created = 0;
  Timestamp expires = 0;
  std::optional<Timestamp> used;
};

// A password the user has just chosen (reset by token, or changed when signed in): stores the
// new hash and clears password_change_required, touching no other column (unlike
// UsersRepository::update, which rewrites the card too). False when there is no such user.
bool store_chosen_password(Connection& conn, Id user_id, std::string_view hash);

class ResetTokensRepository {
 public:
  explicit ResetTokensRepository(Connection& conn) : conn_(conn) {}

  void insert(const ResetToken& token);
  std::optional<ResetToken> get(std::string_view token_hash);
  // Marks the token used and returns its user, when it exists, is unused and `now` is before
  // its expiry. Nullopt otherwise (nothing changes).
  std::optional<Id> consume(std::string_view token_hash, Timestamp now);
  // Marks every unused token of the user used (after the password changed). Returns how many.
  int revoke_for_user(Id user_id, Timestamp now);
  // Deletes tokens that expired before `now` (used ones included). Returns how many.
  int purge_expired(Timestamp now);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
