// First start without a known password: a one-time setup code, printed in the log (and on the
// appliance's console), lets whoever holds it choose the password of the first administrator —
// as Home Assistant and Grafana do. Until then no account can sign in, so nobody on the lab's
// network can take the portal over by being first.
//
// Setup is pending while no account that may sign in has a password; the account it sets up is
// the first of them (by id): on a new database the administrator seeded with [web]
// default_admin_email. The code is 60 random bits, "XXXX-XXXX-XXXX" in Crockford's base32 (no I,
// L, O or U; case and dashes do not matter). It lives in memory only: every start while setup is
// pending logs a new one (and so does a restore of a database where nobody can sign in), and after
// `max_failures` wrong codes it is replaced by a new one, which is logged too, so guessing it over
// the network is hopeless.
//
// Single-threaded (the reactor), like the handlers that use it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web {

class FirstSetup {
 public:
  /// Where a new code is announced (the log, component "console"): the code and the e-mail of
  /// the account it sets up.
  using Announce = std::function<void(const std::string& code, const std::string& email)>;

  FirstSetup(db::Connection& db, Announce announce, std::size_t max_failures = 20);

  /// Looks at the database: when setup is pending, makes a code and announces it. True when
  /// setup is pending.
  bool start();

  /// Whether a code is waiting to be used (false again after it was, or when an account got a
  /// password meanwhile, e.g. from `fabomatic admin`).
  bool pending();

  /// The account the code sets up, while pending.
  std::optional<db::Id> account_id();
  /// Its e-mail, while pending (shown on the sign-in page: it is the one to sign in with).
  std::optional<std::string> account_email();

  /// Whether `typed` is the code (constant time). A wrong one counts; the `max_failures`th
  /// replaces the code by a new one (announced).
  bool check(std::string_view typed);

  /// The code was used: no code any more.
  void finish();

  /// A fresh code, "XXXX-XXXX-XXXX".
  static std::string generate();
  /// What a typed code means: upper case, no dashes or spaces, O as 0, I and L as 1.
  static std::string normalize(std::string_view typed);

 private:
  void renew();
  std::optional<db::Id> pending_account();

  db::Connection& db_;
  Announce announce_;
  std::size_t max_failures_;
  std::size_t failures_ = 0;
  std::string code_;  // normalized; empty: none
  std::optional<db::Id> account_;
};

}  // namespace fabomatic::web
