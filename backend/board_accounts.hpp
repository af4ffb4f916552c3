// Board accounts: one MQTT account per machine, for the board that speaks for it. The portal
// and `fabomatic board-account` create, rotate and revoke them; the broker hook (mqtt_auth.hpp)
// lets a board in with one and lets it speak for its own machine only.
//
// The secret is generated here, shown once, and typed by a person into the board's
// configuration portal (its MQTT user and password fields): 125 random bits as 25 characters of
// Crockford's base32 in groups of five, "7KQ2M-XH9DP-..." — no I, L, O or U to misread; on
// checking, case, dashes and spaces do not matter and O/I/L read as 0/1/1. It is stored as
// HMAC-SHA256 under a key of this installation (a file in the data directory, 0600): a stolen
// database alone does not let anyone log in, and a check costs a microsecond, so 200 boards
// reconnecting after a power cut wait for no password hashing.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/board_accounts_repository.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::backend {

/// The file holding the key, in [backend] data_dir.
inline constexpr std::string_view kBoardKeyFileName = "board-accounts.key";

class BoardSecrets {
 public:
  /// Reads the key from `key_file`, creating it (32 random bytes, mode 0600) when absent.
  /// Throws std::runtime_error when it cannot.
  static BoardSecrets load_or_create(const std::filesystem::path& key_file);
  explicit BoardSecrets(std::string key) : key_(std::move(key)) {}

  /// A fresh secret, "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX".
  static std::string generate();
  /// What a typed secret means: upper case, no separators, O as 0, I and L as 1.
  static std::string normalize(std::string_view typed);
  /// The stored form of a secret: hex HMAC-SHA256 of its normalized text.
  std::string hash(std::string_view secret) const;
  /// Whether `secret` (as the board sent it) matches `stored` (constant time).
  bool verify(std::string_view secret, std::string_view stored) const;

 private:
  std::string key_;
};

/// "board-<machine id>": the user name of a machine's board account.
std::string board_username(db::Id machine_id);

/// A secret as issued: shown to the admin once, never stored in clear.
struct IssuedSecret {
  db::BoardAccount account;
  std::string secret;
};

/// The accounts, in the database (also from the command line, while the appliance runs).
class BoardAccounts {
 public:
  using Clock = std::function<double()>;  // unix seconds
  BoardAccounts(db::Connection& db, const BoardSecrets& secrets, Clock clock)
      : db_(db), secrets_(secrets), clock_(std::move(clock)) {}

  /// Creates the machine's account with a fresh secret. db::Conflict "board_account" when it
  /// has one, db::Conflict "machine" when the machine does not exist.
  IssuedSecret create(db::Id machine_id);
  /// A fresh secret for the machine's account (the old one stops working); nullopt when it has
  /// no account.
  std::optional<IssuedSecret> rotate(db::Id machine_id);
  /// Deletes the machine's account; false when it had none.
  bool revoke(db::Id machine_id);
  std::vector<db::BoardAccount> list();
  std::optional<db::BoardAccount> get(db::Id machine_id);

  const BoardSecrets& secrets() const { return secrets_; }

 private:
  db::Connection& db_;
  const BoardSecrets& secrets_;
  Clock clock_;
};

}  // namespace fabomatic::backend
