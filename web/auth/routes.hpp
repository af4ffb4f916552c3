// The sign-in routes of the portal API and the audit log listing:
//   POST /api/v1/auth/login     {email, password}  -> session cookie, CSRF token
//   POST /api/v1/auth/logout                       (session, CSRF)
//   GET  /api/v1/auth/session                      who is signed in, CSRF token
//   POST /api/v1/auth/password  {current, new}     (session, CSRF; allowed while a change is due)
//   POST /api/v1/auth/forgot    {email}            always 202; mails a reset link when eligible
//   POST /api/v1/auth/reset     {token, password}  sets the password with a mailed token
//   GET  /api/v1/auth/setup                        whether a first-start setup is pending
//   POST /api/v1/auth/setup     {code, password}   the first admin's password, with the setup
//                                                  code of the log (web/auth/setup.hpp)
//   GET  /api/v1/audit          ?entity=&entity_id=&user_id=&action=&from=&to=&limit=&offset=
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "db/sqlite.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/guard.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/password_worker.hpp"
#include "web/auth/route_table.hpp"
#include "web/http/router.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::web {

struct AuthOptions {
  /// [web] base_url: the portal's public URL for links in mails. Empty: https://<host_name>:<port>.
  /// (Never taken from the request's Host header, which a client chooses.)
  std::string base_url;
  std::string host_name;  // empty: the machine's host name
  std::uint16_t port = 23336;

  // Login failures before 429 (per account e-mail and client address, per client address) within
  // `login_window`.
  std::size_t login_failures_per_account = 5;
  std::size_t login_failures_per_address = 20;
  std::chrono::minutes login_window{15};
  // Reset mails per account and forgot requests per address within `login_window`; beyond,
  // the answer stays the same 202 but nothing is sent.
  std::size_t reset_mails_per_account = 3;
  std::size_t forgot_requests_per_address = 20;
  std::size_t limiter_keys = 10'000;  // keys each in-memory limiter tracks at most

  std::size_t min_password_length = 8;
  std::size_t max_password_length = 1024;  // bounds the work of hashing
  std::chrono::minutes reset_token_lifetime{30};
  std::string site_name = "FabLab";  // in mail subjects

  /// Where password hashing runs (see PasswordWorker): `job` runs there and returns what to
  /// run back where handlers run; false when too much is queued (the answer is 503). Unset:
  /// inline, on the handler's thread.
  std::function<bool(PasswordJob)> password_work;

  /// Where a first start's setup code is told (web/auth/setup.hpp). Unset: a warning of the
  /// log's component "console", which the appliance's console shows.
  std::function<void(const std::string& code, const std::string& email)> announce_setup_code;
};

/// The longest e-mail address sign-in reads (RFC 5321's path limit); a longer one is refused
/// before it is looked up, counted or written to the audit log.
inline constexpr std::size_t kMaxEmailLength = 254;

/// The link base for mails: base_url without a trailing "/", or https://<host>:<port>.
std::string portal_url(const AuthOptions& options);

/// The settings of PasswordResets (auth_password_reset.hpp) that go with `options`: for the
/// admin-triggered reset, which the REST API exposes.
PasswordResetOptions password_reset_options(const AuthOptions& options);

/// What the sign-in routes need told after they were added.
struct AuthRoutesControl {
  /// The database was replaced under them (a restore): looks again whether any account can
  /// sign in and, when none can, makes and announces a new setup code as a first start does.
  /// True when setup is pending.
  std::function<bool()> database_replaced;
};

/// Adds the routes above to the portal's route table (so the OpenAPI document lists them).
/// Everything passed must outlive the router. `db` is the connection of `auth` and `audit`.
AuthRoutesControl add_auth_routes(RouteTable& routes, SessionAuth& auth, db::Connection& db,
                                  Mailer& mailer, AuditLog& audit, const AuthOptions& options);

/// add_auth_routes() straight onto a router (for tests of sign-in alone).
void register_auth_routes(Router& router, SessionAuth& auth, db::Connection& db, Mailer& mailer,
                          AuditLog& audit, const AuthOptions& options);

}  // namespace fabomatic::web
