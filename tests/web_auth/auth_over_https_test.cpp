// Sign-in through the real HTTPS server (TLS, Beast, keep-alive): the cookie and the CSRF
// token travel as a browser would send them.
#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "test_clients.hpp"
#include "test_server.hpp"

namespace fabomatic::web::test {
namespace {

TEST(AuthOverHttps, LoginChangePasswordProtectedRouteLogout) {
  AuthHarness h;
  Router router;
  register_auth_routes(router, h.auth(), h.db(), h.mailer(), h.audit(), test_auth_options());
  router.get("/api/v1/probe", protect(h.auth(), [](const Request&, const Principal& who) {
               return Response::json(
                   200,
                   nlohmann::json{{"email", who.email}, {"address", who.remote_address}}.dump());
             }));
  TestServer server(std::move(router));
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const Fields json = {{"Content-Type", "application/json"}};

  auto login = client.request(
      http::verb::post, "/api/v1/auth/login",
      nlohmann::json{{"email", kAdminEmail}, {"password", kAdminPassword}}.dump(), json);
  ASSERT_TRUE(login);
  ASSERT_EQ(login->result_int(), 200) << login->body();
  const std::string set_cookie(login->at(http::field::set_cookie));
  EXPECT_NE(set_cookie.find("HttpOnly; Secure; SameSite=Strict; Path=/"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = nlohmann::json::parse(login->body())["csrf_token"];
  const Fields session = {{"Cookie", cookie}};
  const Fields session_csrf = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  Fields change = session_csrf;
  change.emplace_back("Content-Type", "application/json");

  auto blocked = client.request(http::verb::get, "/api/v1/probe", {}, session);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->result_int(), 403);
  auto changed = client.request(
      http::verb::post, "/api/v1/auth/password",
      nlohmann::json{{"current", kAdminPassword}, {"new", "over-https-1"}}.dump(), change);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->result_int(), 200) << changed->body();

  auto probe = client.request(http::verb::get, "/api/v1/probe", {}, session);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->result_int(), 200);
  const auto who = nlohmann::json::parse(probe->body());
  EXPECT_EQ(who["email"], kAdminEmail);
  EXPECT_EQ(who["address"], "127.0.0.1");

  auto no_token = client.request(http::verb::post, "/api/v1/auth/logout", {}, session);
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->result_int(), 403);
  auto out = client.request(http::verb::post, "/api/v1/auth/logout", {}, session_csrf);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result_int(), 204);
  auto after = client.request(http::verb::get, "/api/v1/probe", {}, session);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->result_int(), 401);
}

}  // namespace
}  // namespace fabomatic::web::test
