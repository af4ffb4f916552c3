// The FabLab's rules in the broker, as a hook in front of the generic accounts and ACL
// (broker/auth/access_control.hpp):
//
// - Board accounts (board_accounts.hpp): a client logging in as board-<id> with the machine's
//   secret speaks for that machine only — it may publish on machine/<id> (not retained) and
//   subscribe to machine/<id>/reply and machine/<id>/request, nothing else: no request, no
//   reply (a forged reply would admit a card, a forged request would switch a machine on).
//   Other user names are left to the next hook.
// - The legacy rule for anonymous clients (AnonymousMode::legacy, a settings file of the old
//   tool): publish on the topic of a machine that exists (not retained), subscribe to
//   machine/<id>/reply and /request without wildcards — except for a machine whose board has
//   logged in with its account once (board_accounts.first_login): closed to anonymous clients
//   from then on, those that spoke for it or listened to it disconnected at once. Nothing else,
//   so a laptop on the lab's network cannot collect every card id with '#' nor start a machine,
//   and each board moved to its account takes its machine out of reach.
// So only the backend publishes replies and requests — unless the lab's ACL file lets one of
// its own accounts do it (a Node-RED flow starting machines), or it chose allow_anonymous =
// true, where anonymous clients may do anything, as on the old open Mosquitto.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backend/board_accounts.hpp"
#include "backend/board_topics.hpp"
#include "broker/core/hooks.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::backend {

class MqttAuth final : public broker::BrokerHooks {
 public:
  MqttAuth(db::Connection& db, const BoardSecrets& secrets, BoardTopics topics);

  broker::AuthResult authenticate(const broker::ClientInfo& client,
                                  const broker::Credentials& credentials) override;
  /// A board account still there with the secret it proved: kept; else disconnected.
  broker::AuthResult review(const broker::ClientInfo& client) override;
  void on_disconnected(const broker::ClientInfo& client, bool graceful) override;

  /// What anonymous clients may do in legacy mode.
  std::shared_ptr<const broker::ClientAccess> legacy_anonymous_access() const { return legacy_; }

  /// The machine a client at `remote_address` ("ip:port") spoke for, as far as the broker let
  /// it (anonymous clients in legacy mode), for the portal's list of shared client ids.
  std::optional<db::Id> machine_of(std::string_view remote_address) const;

  /// Called (on the broker's thread, within its CONNECT handling) when a board logs in with its
  /// account for the first time: whoever holds the broker then disconnects the anonymous clients
  /// that spoke or listened for that machine (spoke_or_listened_for), outside the broker's call.
  void on_first_login(std::function<void(db::Id machine_id)> notify) {
    on_first_login_ = std::move(notify);
  }
  /// Whether the anonymous client at `remote_address` published on or subscribed to the machine.
  bool spoke_or_listened_for(std::string_view remote_address, db::Id machine_id) const;

  /// The machine whose board account is `account` ("board-7" -> 7).
  std::optional<db::Id> machine_of_account(std::string_view account) const;

  /// The machine id of a query topic's id segment ("007" -> 7); nullopt when not digits.
  static std::optional<db::Id> machine_id_of(std::string_view segment);

  const BoardTopics& topics() const { return topics_; }

 private:
  friend class LegacyAnonymousAccess;
  bool machine_exists(db::Id machine_id);
  bool closed_to_anonymous(db::Id machine_id);
  void learned(std::string_view remote_address, db::Id machine_id);
  void subscribed(std::string_view remote_address, db::Id machine_id);

  db::Connection& db_;
  const BoardSecrets& secrets_;
  BoardTopics topics_;
  std::shared_ptr<const broker::ClientAccess> legacy_;
  // The secret hash each board account proved, to notice a rotation made elsewhere (the command
  // line) when the broker reviews its clients.
  std::unordered_map<std::string, std::string> proven_;
  // What each anonymous client (by "ip:port") did: the machine it last spoke for, and every
  // machine it spoke or listened for.
  struct AnonymousTrace {
    std::optional<db::Id> spoke_for;
    std::set<db::Id> machines;
  };
  AnonymousTrace& trace_of(std::string_view remote_address);
  std::unordered_map<std::string, AnonymousTrace> anonymous_;
  std::function<void(db::Id)> on_first_login_;
};

/// A board account's rights: its own machine's topics.
class BoardAccess final : public broker::ClientAccess {
 public:
  BoardAccess(const BoardTopics& topics, db::Id machine_id)
      : topics_(topics), machine_id_(machine_id) {}
  bool may_publish(const broker::ClientInfo& client, std::string_view topic,
                   bool retain) const override;
  bool may_subscribe(const broker::ClientInfo& client, std::string_view filter) const override;

 private:
  const BoardTopics& topics_;
  db::Id machine_id_;
};

}  // namespace fabomatic::backend
