// What the portal shows and does about who may use the broker: the board accounts (created,
// rotated and revoked, their boards disconnected at once when their secret stops working), the
// anonymous mode with what a lab still has to do when it is the legacy one, and the client ids
// that several live clients share ("machines 3 and 7 share client id BOARD417").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "backend/board_accounts.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/settings.hpp"

namespace fabomatic::broker {
class Broker;
}

namespace fabomatic::backend {

struct MqttSecurityStatus {
  AnonymousMode mode = AnonymousMode::legacy;
  std::size_t clients = 0;            // connected now
  std::size_t anonymous_clients = 0;  // of them, without an account
  std::size_t machines = 0;
  std::size_t board_accounts = 0;
  std::vector<db::Id> machines_without_account;
  std::vector<db::Id> anonymous_boards;  // machines whose board is connected without an account
};

struct BoardAccountView {
  db::BoardAccount account;
  std::string machine_name;
  bool connected = false;      // a client is logged in with it now
  std::string remote_address;  // of that client
};

struct SharedClientIdView {
  struct Holder {
    std::string remote_address;
    std::string account;               // empty: anonymous
    std::optional<db::Id> machine_id;  // the machine it speaks for, when known
  };
  std::string client_id;
  std::vector<Holder> holders;
  std::vector<db::Id> machines;  // the known machine ids, ascending, no repeats
};

class MqttSecurity {
 public:
  MqttSecurity(broker::Broker& broker, db::Connection& db, BoardAccounts& accounts,
               const MqttAuth& auth, AnonymousMode mode);

  MqttSecurityStatus status();
  std::vector<BoardAccountView> accounts();

  /// As BoardAccounts; rotate and revoke also disconnect the board logged in with the old
  /// secret (it logs in again with the new one once it is typed into its portal).
  IssuedSecret create(db::Id machine_id);
  std::optional<IssuedSecret> rotate(db::Id machine_id);
  bool revoke(db::Id machine_id);

  std::vector<SharedClientIdView> shared_client_ids();

  /// Disconnects the anonymous clients that spoke or listened for the machine (its board has
  /// just logged in with its account, MqttAuth::on_first_login). Returns how many.
  std::size_t close_to_anonymous(db::Id machine_id);

  AnonymousMode mode() const { return mode_; }

 private:
  std::size_t disconnect_account(const std::string& username);

  broker::Broker& broker_;
  db::Connection& db_;
  BoardAccounts& accounts_;
  const MqttAuth& auth_;
  AnonymousMode mode_;
};

/// "legacy", "refused", "allowed".
std::string_view to_string(AnonymousMode mode);

}  // namespace fabomatic::backend
