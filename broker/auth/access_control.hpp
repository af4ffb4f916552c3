// Accounts and ACL the Mosquitto way, as a broker hook: a password file (and accounts whose
// password is known in clear), an ACL file, and whether anonymous clients are let in. Both
// files can be replaced while the broker runs (SIGHUP): clients whose account vanished or got
// another password are disconnected, everyone else gets the new rules.
//
// A client that sends a user name naming an account must give its password. Every refusal is
// CONNACK 0x05 (not authorized), as Mosquitto 2.0 answers a wrong password, an unknown user and
// an anonymous client alike. A client without a user name, or with one that names no account, is
// anonymous: let in only when anonymous clients are allowed, then with the anonymous rights — the
// embedding program's (set_anonymous_access), else the ACL file's anonymous rules, else everything.
// (Mosquitto refuses a user name that is not in its password file; the boards' firmware sends
// "user"/"password" by default, so here such a client is treated as anonymous.) An account's
// rights are its ACL rules, or everything without an ACL file.
//
// Checking a "$7$" password costs a PBKDF2 run (101 rounds of HMAC-SHA512 by default): once a
// client proved its password, a keyed digest of it is remembered (until the files change), so
// a fleet reconnecting at once is checked in microseconds each.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>

#include "broker/auth/acl_file.hpp"
#include "broker/auth/password_file.hpp"
#include "broker/core/hooks.hpp"

namespace fabomatic::broker::auth {

class AccessControl final : public BrokerHooks {
 public:
  explicit AccessControl(bool allow_anonymous);

  /// The accounts (null: none) and the rules (null: no ACL file, accounts may do anything).
  /// Returns the accounts whose credential changed or vanished: the caller asks the broker to
  /// review its clients (Broker::review_clients), which disconnects them.
  std::vector<std::string> set_files(std::shared_ptr<const PasswordFile> passwords,
                                     std::shared_ptr<const AclFile> acl);

  /// What anonymous clients may do instead of the ACL file's anonymous rules (null: those).
  void set_anonymous_access(std::shared_ptr<const ClientAccess> access);

  bool allow_anonymous() const { return allow_anonymous_; }
  bool has_account(std::string_view user) const;
  const PasswordFile* passwords() const { return passwords_.get(); }
  const AclFile* acl() const { return acl_.get(); }

  AuthResult authenticate(const ClientInfo& client, const Credentials& credentials) override;
  AuthResult review(const ClientInfo& client) override;

 private:
  std::shared_ptr<const ClientAccess> account_access() const;
  std::shared_ptr<const ClientAccess> anonymous_access() const;
  std::array<unsigned char, 32> remember_key(std::string_view user,
                                             std::string_view password) const;

  bool allow_anonymous_;
  std::shared_ptr<const PasswordFile> passwords_;
  std::shared_ptr<const AclFile> acl_;
  std::shared_ptr<const ClientAccess> acl_account_access_;
  std::shared_ptr<const ClientAccess> acl_anonymous_access_;
  std::shared_ptr<const ClientAccess> anonymous_override_;
  std::array<unsigned char, 32> cache_key_{};  // random, for the digests of proven passwords
  std::unordered_map<std::string, std::array<unsigned char, 32>> proven_;
  std::vector<std::string> changed_;  // accounts disconnected by the last set_files
};

/// A client's rights from an ACL file: its account's rules (or the anonymous ones) and the
/// patterns.
class AclAccess final : public ClientAccess {
 public:
  AclAccess(std::shared_ptr<const AclFile> acl, bool anonymous)
      : acl_(std::move(acl)), anonymous_(anonymous) {}
  bool may_publish(const ClientInfo& client, std::string_view topic, bool retain) const override;
  bool may_subscribe(const ClientInfo& client, std::string_view filter) const override;

 private:
  std::optional<std::string_view> user(const ClientInfo& client) const;
  std::shared_ptr<const AclFile> acl_;
  bool anonymous_;
};

}  // namespace fabomatic::broker::auth
