#include "auth_fixture.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "db/models.hpp"
#include "db/passwords.hpp"
#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"
#include "web/http/request_target.hpp"

namespace fabomatic::web::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "fabomatic-auth-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path copy_legacy_fixture(const TempDir& dir, const std::string& name) {
  const fs::path source = fs::path(FABOMATIC_FIXTURES_DIR) / "legacy-db" / name;
  const fs::path target = dir.path() / name;
  fs::copy_file(source, target);
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  return target;
}

std::string cheap_legacy_hash(std::string_view password) {
  const std::string salt = "testsalt";
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), 1000, EVP_sha256(), sizeof out, out);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : out) {
    hex += digits[b >> 4];
    hex += digits[b & 0xf];
  }
  return "pbkdf2:sha256:1000$" + salt + "$" + hex;
}

AuthOptions test_auth_options() {
  AuthOptions options;
  options.host_name = "portal.test";
  options.port = 23336;
  options.login_failures_per_account = 3;
  options.login_failures_per_address = 5;
  options.reset_mails_per_account = 2;
  options.forgot_requests_per_address = 50;
  return options;
}

namespace {

db::Database open_in(const TempDir& dir, const std::optional<fs::path>& file) {
  db::OpenOptions options;
  options.default_admin_email = kAdminEmail;
  options.backup_before_upgrade = false;
  return db::open_database(file ? file->string() : (dir.path() / "database.sqldb").string(),
                           options);
}

}  // namespace

AuthHarness::AuthHarness(AuthOptions options, SessionOptions sessions, std::optional<fs::path> file,
                         bool admin_password)
    : database_(open_in(dir_, file)) {
  if (database_.created && admin_password) {
    database_.conn.execute(
        "UPDATE users SET password_hash = ?, password_change_required = 1 WHERE email = ?",
        db::hash_password(kAdminPassword), std::string(kAdminEmail));
  }
  options.announce_setup_code = [this](const std::string& code, const std::string& email) {
    setup_code_ = code;
    setup_email_ = email;
  };
  auth_ = std::make_unique<SessionAuth>(database_.conn, sessions, clock_);
  audit_ = std::make_unique<AuditLog>(database_.conn, clock_);
  register_auth_routes(router_, *auth_, database_.conn, mailer_, *audit_, options);
}

Response AuthHarness::call(Request request) {
  auto target = parse_target(request.target);
  EXPECT_EQ(target.status, 0) << request.target;
  request.path = target.target.path;
  request.query = target.target.query;
  const RouteMatch match = router_.find(request.method, target.target.segments);
  request.path_params = match.params;
  return dispatch(match, request, [&](std::string_view error) {
    ADD_FAILURE() << "handler threw (500): " << error;
  });
}

Response AuthHarness::call(Method method, std::string target, std::string body,
                           const std::string& address) {
  Request request;
  request.method = method;
  request.target = std::move(target);
  request.body = std::move(body);
  request.remote_address = address;
  if (!request.body.empty()) request.headers.set("Content-Type", "application/json");
  return call(std::move(request));
}

db::Id AuthHarness::role_id(const std::string& role_name) {
  const auto role = db::RolesRepository(db()).by_name(role_name);
  if (!role) throw std::runtime_error("no role " + role_name);
  return role->id;
}

db::Id AuthHarness::add_user(const std::string& email, const std::string& password,
                             const std::string& role_name, bool disabled) {
  db::User user;
  user.name = "Test";
  user.surname = email.substr(0, email.find('@'));
  user.role_id = role_id(role_name);
  user.email = email;
  user.password_hash = cheap_legacy_hash(password);
  user.disabled = disabled;
  return db::UsersRepository(db()).create(user);
}

Response Browser::login(const std::string& email, const std::string& password) {
  Request request;
  request.method = Method::post;
  request.target = "/api/v1/auth/login";
  request.body = nlohmann::json{{"email", email}, {"password", password}}.dump();
  request.headers.set("Content-Type", "application/json");
  Response response = send(std::move(request), false);
  if (response.status == 200) {
    const auto set_cookie = std::string(response.headers.get("Set-Cookie").value_or(""));
    cookie_ = set_cookie.substr(0, set_cookie.find(';'));
    csrf_ = body_json(response).value("csrf_token", "");
  }
  return response;
}

Response Browser::get(const std::string& target) {
  Request request;
  request.method = Method::get;
  request.target = target;
  return send(std::move(request), false);
}

Response Browser::post(const std::string& target, const nlohmann::json& body,
                       std::optional<std::string> csrf, bool send_csrf) {
  Request request;
  request.method = Method::post;
  request.target = target;
  request.body = body.dump();
  request.headers.set("Content-Type", "application/json");
  if (send_csrf) request.headers.set("X-CSRF-Token", csrf.value_or(csrf_));
  return send(std::move(request), false);
}

Response Browser::send(Request request, bool send_csrf) {
  request.remote_address = address_;
  if (!cookie_.empty()) request.headers.add("Cookie", "theme=dark; " + cookie_);
  if (send_csrf) request.headers.set("X-CSRF-Token", csrf_);
  return harness_.call(std::move(request));
}

nlohmann::json body_json(const Response& response) {
  return nlohmann::json::parse(response.body, nullptr, false);
}

std::string error_code(const Response& response) {
  const auto json = body_json(response);
  if (!json.is_object() || !json.contains("error")) return "";
  return json["error"].value("code", "");
}

std::string token_in(const Mail& mail) {
  const auto at = mail.text.find("/#/reset?token=");
  if (at == std::string::npos) return {};
  const auto start = at + std::string("/#/reset?token=").size();
  return mail.text.substr(start, mail.text.find('\n', start) - start);
}

}  // namespace fabomatic::web::test
