// What the sign-in tests share: a movable clock, a temporary database (new and seeded, or a
// copy of a legacy fixture) with the auth routes on a Router, and a "browser" that keeps the
// session cookie and CSRF token the way the portal's front end does.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "db/database.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/guard.hpp"
#include "web/auth/routes.hpp"
#include "web/http/router.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::web::test {

inline constexpr const char* kAdminEmail = "admin@lab.test";
// The password the fixture gives the seeded admin (a new database has none), to be changed at
// the first sign-in like a password an admin set for a member.
inline constexpr const char* kAdminPassword = "admin";

class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady() const override { return steady_base_ + offset_; }
  std::chrono::system_clock::time_point wall() const override {
    return wall_base_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset_);
  }
  void advance(std::chrono::steady_clock::duration by) { offset_ += by; }

 private:
  std::chrono::steady_clock::time_point steady_base_ = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point wall_base_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::duration offset_{};
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A copy of a legacy fixture file in `dir`; returns its path.
std::filesystem::path copy_legacy_fixture(const TempDir& dir, const std::string& name);

/// A Werkzeug pbkdf2 hash with few iterations: cheap to verify in tests (and, being legacy,
/// replaced by argon2id at the first successful login).
std::string cheap_legacy_hash(std::string_view password);

/// Options for tests: links on https://portal.test:23336, small limits.
AuthOptions test_auth_options();

class AuthHarness {
 public:
  /// A new seeded database (admin: kAdminEmail, given kAdminPassword which it must change,
  /// unless `admin_password` is false: then no account has a password and the first start's
  /// setup code is pending), or `file`. The setup code announced is kept (setup_code()).
  explicit AuthHarness(AuthOptions options = test_auth_options(), SessionOptions sessions = {},
                       std::optional<std::filesystem::path> file = std::nullopt,
                       bool admin_password = true);

  /// Dispatches like the server: parses the target, finds the route, runs it.
  Response call(Request request);
  Response call(Method method, std::string target, std::string body = {},
                const std::string& address = "192.0.2.10");

  /// A user with `role_name`'s role and a cheap legacy hash of `password`. Returns the id.
  db::Id add_user(const std::string& email, const std::string& password,
                  const std::string& role_name, bool disabled = false);
  db::Id role_id(const std::string& role_name);

  db::Connection& db() { return database_.conn; }
  ManualClock& clock() { return clock_; }
  SessionAuth& auth() { return *auth_; }
  AuditLog& audit() { return *audit_; }
  RecordingMailer& mailer() { return mailer_; }
  Router& router() { return router_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  /// The last setup code announced, "" when none; the e-mail it was for.
  const std::string& setup_code() const { return setup_code_; }
  const std::string& setup_email() const { return setup_email_; }

 private:
  TempDir dir_;
  ManualClock clock_;
  db::Database database_;
  RecordingMailer mailer_;
  std::unique_ptr<SessionAuth> auth_;
  std::unique_ptr<AuditLog> audit_;
  Router router_;
  std::string setup_code_;
  std::string setup_email_;
};

/// Keeps the cookie and CSRF token across calls, from one client address.
class Browser {
 public:
  explicit Browser(AuthHarness& harness, std::string address = "192.0.2.10")
      : harness_(harness), address_(std::move(address)) {}

  Response login(const std::string& email, const std::string& password);
  Response get(const std::string& target);
  /// JSON body with Content-Type; the CSRF token unless `csrf` says otherwise.
  Response post(const std::string& target, const nlohmann::json& body,
                std::optional<std::string> csrf = std::nullopt, bool send_csrf = true);
  Response send(Request request, bool send_csrf = true);

  const std::string& cookie() const { return cookie_; }
  const std::string& csrf() const { return csrf_; }
  void forget_cookie() { cookie_.clear(); }

 private:
  AuthHarness& harness_;
  std::string address_;
  std::string cookie_;  // "fabomatic_session=..."
  std::string csrf_;
};

/// The body as JSON (discarded value when it is not JSON).
nlohmann::json body_json(const Response& response);
/// error.code of an error body, "" otherwise.
std::string error_code(const Response& response);
/// The token of a mailed reset link, "" when the mail holds none.
std::string token_in(const Mail& mail);

}  // namespace fabomatic::web::test
