// The MQTT accounts of the boards, one per machine (table of our own): the user name the board
// logs in with and a keyed hash of its secret. The secret itself is never stored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct BoardAccount {
  Id machine_id = 0;
  std::string username;
  std::string secret_hash;
  Timestamp created = 0;
  Timestamp rotated = 0;  // when the current secret was issued
  // When the board first logged in with the account (kept across rotations): from then on the
  // machine is closed to anonymous clients in the legacy mode.
  std::optional<Timestamp> first_login;
};

class BoardAccountsRepository {
 public:
  explicit BoardAccountsRepository(Connection& conn) : conn_(conn) {}

  // Creates the machine's account; Conflict("board_account") when it has one, or
  // Conflict("machine") when there is no such machine.
  void create(const BoardAccount& account);
  // Replaces the secret's hash; false when the machine has no account.
  bool set_secret(Id machine_id, std::string_view secret_hash, Timestamp now);
  std::optional<BoardAccount> by_machine(Id machine_id);
  // Records the account's first login; false when it had one already (or there is no account).
  bool mark_first_login(Id machine_id, Timestamp now);
  std::optional<BoardAccount> by_username(std::string_view username);
  // In machine id order.
  std::vector<BoardAccount> list();
  bool remove(Id machine_id);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
