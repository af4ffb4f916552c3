// Sessions and the guard of protected routes: must-change-password, CSRF, idle and absolute
// expiry, logout, accounts disabled meanwhile, the bound on the store.
#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "db/audit_repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::web::test {
namespace {

using namespace std::chrono_literals;

// A protected route of the kind the REST API registers.
void add_probe_routes(AuthHarness& h) {
  const ProtectedHandler echo = [](const Request&, const Principal& who) {
    return Response::json(
        200, nlohmann::json{{"user_id", who.user_id}, {"address", who.remote_address}}.dump());
  };
  h.router().get("/api/v1/probe", protect(h.auth(), echo));
  h.router().post("/api/v1/probe", protect(h.auth(), echo));
  h.router().del("/api/v1/probe", protect(h.auth(), echo));
}

// The seeded admin with the password already changed (so that routes are open).
db::Id admin_without_change_due(AuthHarness& h) {
  const auto id = db::UsersRepository(h.db()).by_email(kAdminEmail)->id;
  h.db().execute("UPDATE users SET password_change_required = 0 WHERE user_id = ?", id);
  return id;
}

// GET /api/v1/auth/session without a (valid) session: 200 {"signed_in": false} and nothing
// else, so that a browser asking on start logs no error; never cached.
void expect_signed_out(const Response& response) {
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(body_json(response), (nlohmann::json{{"signed_in", false}}));
  EXPECT_EQ(response.headers.get("Cache-Control").value_or(""), "no-store");
}

TEST(Session, TheSessionRouteAnswersSignedOutWithoutASession) {
  AuthHarness h;
  Browser anonymous(h);
  expect_signed_out(anonymous.get("/api/v1/auth/session"));
  Request forged;
  forged.target = "/api/v1/auth/session";
  forged.headers.set("Cookie", "fabomatic_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  expect_signed_out(h.call(forged));
  // Signed in, the same route says who.
  admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  const Response session = browser.get("/api/v1/auth/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(body_json(session)["signed_in"], true);
  EXPECT_EQ(body_json(session)["user"]["email"], kAdminEmail);
  // Whether a remote start has a card to log in: read at each answer, so a card given to
  // oneself shows at the next.
  h.db().execute("UPDATE users SET card_UUID = NULL WHERE email = '" + std::string(kAdminEmail) +
                 "'");
  EXPECT_EQ(body_json(browser.get("/api/v1/auth/session"))["user"]["has_card"], false);
  h.db().execute("UPDATE users SET card_UUID = 'aabbccdd' WHERE email = '" +
                 std::string(kAdminEmail) + "'");
  EXPECT_EQ(body_json(browser.get("/api/v1/auth/session"))["user"]["has_card"], true);
}

TEST(Session, ProtectedRoutesNeedASession) {
  AuthHarness h;
  add_probe_routes(h);
  Browser anonymous(h);
  const Response response = anonymous.get("/api/v1/probe");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(error_code(response), "unauthenticated");
  EXPECT_EQ(anonymous.get("/api/v1/audit").status, 401);
  // A made-up cookie is no session either.
  Request forged;
  forged.target = "/api/v1/probe";
  forged.headers.set("Cookie", "fabomatic_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(h.call(forged).status, 401);
}

TEST(Session, MustChangePasswordBlocksEveryRouteButTheChangeItself) {
  AuthHarness h;
  add_probe_routes(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);

  for (const Response& blocked : {browser.get("/api/v1/probe"), browser.get("/api/v1/audit"),
                                  browser.post("/api/v1/probe", nlohmann::json::object())}) {
    EXPECT_EQ(blocked.status, 403);
    EXPECT_EQ(error_code(blocked), "password_change_required");
  }
  // The session itself stays readable, so the page knows to ask for a new password.
  const Response session = browser.get("/api/v1/auth/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_TRUE(body_json(session)["signed_in"].get<bool>());
  EXPECT_TRUE(body_json(session)["password_change_required"].get<bool>());

  // Refused changes: too short, same as the old one, wrong current password.
  const Response short_one =
      browser.post("/api/v1/auth/password", {{"current", kAdminPassword}, {"new", "short"}});
  EXPECT_EQ(short_one.status, 400);
  EXPECT_EQ(body_json(short_one)["error"]["fields"]["new"], "at least 8 characters");
  EXPECT_EQ(body_json(short_one)["error"]["field_codes"]["new"],
            (nlohmann::json{{"code", "too_short"}, {"min", 8}}));
  h.db().execute("UPDATE users SET password_hash = ? WHERE email = ?",
                 cheap_legacy_hash("adminadmin"), kAdminEmail);
  // A password set outside the portal ends the session: sign in again (a change is still due).
  const Response ended = browser.get("/api/v1/auth/session");
  EXPECT_EQ(ended.status, 200);
  EXPECT_EQ(body_json(ended)["signed_in"], false);
  ASSERT_EQ(browser.login(kAdminEmail, "adminadmin").status, 200);
  const Response same =
      browser.post("/api/v1/auth/password", {{"current", "adminadmin"}, {"new", "adminadmin"}});
  EXPECT_EQ(same.status, 400);
  EXPECT_EQ(body_json(same)["error"]["fields"]["new"], "must differ from the current password");
  EXPECT_EQ(body_json(same)["error"]["field_codes"]["new"]["code"], "same_password");
  const Response wrong =
      browser.post("/api/v1/auth/password", {{"current", "not-it-at-all"}, {"new", "n3w-pass!"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(body_json(wrong)["error"]["fields"]["current"], "wrong password");
  EXPECT_EQ(body_json(wrong)["error"]["field_codes"]["current"]["code"], "wrong_password");
  EXPECT_EQ(browser.get("/api/v1/probe").status, 403);

  const Response changed =
      browser.post("/api/v1/auth/password", {{"current", "adminadmin"}, {"new", "n3w-pass!"}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_FALSE(body_json(changed)["password_change_required"].get<bool>());
  EXPECT_EQ(browser.get("/api/v1/probe").status, 200);
  EXPECT_FALSE(body_json(browser.get("/api/v1/auth/session"))["password_change_required"]);

  const auto entries = db::AuditRepository(h.db()).list({.action = "password_change"});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].entity, "user");
  EXPECT_EQ(entries[0].user_email, kAdminEmail);
  EXPECT_EQ(entries[0].entity_id, entries[0].user_id);
}

TEST(Session, PasswordChangeEndsTheUsersOtherSessions) {
  AuthHarness h;
  add_probe_routes(h);
  const auto id = admin_without_change_due(h);
  h.db().execute("UPDATE users SET password_hash = ? WHERE user_id = ?",
                 cheap_legacy_hash("first-pass"), id);
  Browser laptop(h), phone(h, "192.0.2.99");
  ASSERT_EQ(laptop.login(kAdminEmail, "first-pass").status, 200);
  ASSERT_EQ(phone.login(kAdminEmail, "first-pass").status, 200);
  ASSERT_EQ(
      laptop.post("/api/v1/auth/password", {{"current", "first-pass"}, {"new", "second-pass"}})
          .status,
      200);
  EXPECT_EQ(laptop.get("/api/v1/probe").status, 200);
  EXPECT_EQ(phone.get("/api/v1/probe").status, 401);
  // The new password works, the old one does not.
  EXPECT_EQ(Browser(h).login(kAdminEmail, "first-pass").status, 401);
  EXPECT_EQ(Browser(h).login(kAdminEmail, "second-pass").status, 200);
}

TEST(Session, CsrfTokenIsRequiredOnStateChangingRequests) {
  AuthHarness h;
  add_probe_routes(h);
  admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);

  EXPECT_EQ(browser.get("/api/v1/probe").status, 200);  // reads need no token
  const Response missing =
      browser.post("/api/v1/probe", nlohmann::json::object(), std::nullopt, false);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(error_code(missing), "csrf");
  std::string wrong = browser.csrf();
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(browser.post("/api/v1/probe", nlohmann::json::object(), wrong).status, 403);
  EXPECT_EQ(browser.post("/api/v1/probe", nlohmann::json::object(), "").status, 403);
  EXPECT_EQ(browser.post("/api/v1/probe", nlohmann::json::object()).status, 200);

  Request del;
  del.method = Method::delete_;
  del.target = "/api/v1/probe";
  EXPECT_EQ(browser.send(del, /*send_csrf=*/false).status, 403);
  EXPECT_EQ(browser.send(del, /*send_csrf=*/true).status, 200);

  // Another session's token does not fit this session.
  Browser other(h, "192.0.2.55");
  ASSERT_EQ(other.login(kAdminEmail, kAdminPassword).status, 200);
  EXPECT_NE(other.csrf(), browser.csrf());
  EXPECT_EQ(browser.post("/api/v1/probe", nlohmann::json::object(), other.csrf()).status, 403);
  // Logout is state-changing too.
  EXPECT_EQ(
      browser.post("/api/v1/auth/logout", nlohmann::json::object(), std::nullopt, false).status,
      403);
}

TEST(Session, IdleExpiry) {
  AuthHarness h(test_auth_options(), SessionOptions{.idle = 30min, .absolute = 12h});
  add_probe_routes(h);
  admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  h.clock().advance(29min);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 200);  // and refreshes the idle timer
  h.clock().advance(29min);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 200);
  h.clock().advance(30min);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);
  EXPECT_EQ(h.auth().size(), 0u);  // dropped, not just refused
}

TEST(Session, AbsoluteExpiryEvenWhenActive) {
  AuthHarness h(test_auth_options(), SessionOptions{.idle = 30min, .absolute = 12h});
  add_probe_routes(h);
  admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  for (int i = 0; i < 12 * 3 - 1; ++i) {  // a request every 20 minutes for 11 h 40 min
    h.clock().advance(20min);
    ASSERT_EQ(browser.get("/api/v1/probe").status, 200) << "after " << (i + 1) * 20 << " min";
  }
  h.clock().advance(20min);  // 12 h after sign-in
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);
}

TEST(Session, LogoutEndsTheSessionAndClearsTheCookie) {
  AuthHarness h;
  add_probe_routes(h);
  admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  const Response session = browser.get("/api/v1/auth/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_TRUE(body_json(session)["signed_in"].get<bool>());
  EXPECT_EQ(body_json(session)["csrf_token"], browser.csrf());
  EXPECT_EQ(body_json(session)["user"]["email"], kAdminEmail);

  const Response out = browser.post("/api/v1/auth/logout", nlohmann::json::object());
  EXPECT_EQ(out.status, 204);
  const auto cookie = std::string(out.headers.get("Set-Cookie").value_or(""));
  EXPECT_NE(cookie.find("fabomatic_session=;"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(h.auth().size(), 0u);
  // The old cookie (kept by the browser object) no longer opens anything.
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);
  expect_signed_out(browser.get("/api/v1/auth/session"));

  const auto entries = db::AuditRepository(h.db()).list({.entity = "session"});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "logout");
  EXPECT_EQ(entries[1].action, "login");
}

TEST(Session, AccountDisabledOrDemotedMeanwhileLosesItsSession) {
  AuthHarness h;
  add_probe_routes(h);
  const auto id = admin_without_change_due(h);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  h.db().execute("UPDATE users SET disabled = 1 WHERE user_id = ?", id);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);
  EXPECT_EQ(h.auth().size(), 0u);
  h.db().execute("UPDATE users SET disabled = 0 WHERE user_id = ?", id);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);  // ended for good

  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  h.db().execute("UPDATE users SET role_id = ? WHERE user_id = ?", h.role_id("Fab Staff"), id);
  EXPECT_EQ(browser.get("/api/v1/probe").status, 401);
}

TEST(Session, ThePrincipalCarriesTheRequestAddress) {
  AuthHarness h;
  add_probe_routes(h);
  admin_without_change_due(h);
  Browser browser(h, "203.0.113.5");
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  EXPECT_EQ(body_json(browser.get("/api/v1/probe"))["address"], "203.0.113.5");
}

TEST(Session, TheStoreIsBounded) {
  AuthHarness h(test_auth_options(), SessionOptions{.max_sessions = 3});
  const auto id = admin_without_change_due(h);
  std::vector<std::string> cookies;
  for (int i = 0; i < 5; ++i) {
    const auto opened = h.auth().open(id, "192.0.2.1");
    ASSERT_TRUE(opened);
    cookies.push_back(opened->cookie.substr(0, opened->cookie.find(';')));
    h.clock().advance(1s);
  }
  EXPECT_EQ(h.auth().size(), 3u);
  const auto valid = [&](const std::string& cookie) {
    Request request;
    request.headers.set("Cookie", cookie);
    return h.auth().authenticate(request).has_value();
  };
  EXPECT_FALSE(valid(cookies[0]));  // the least recently used went first
  EXPECT_FALSE(valid(cookies[1]));
  EXPECT_TRUE(valid(cookies[4]));
}

TEST(Session, CookieHeaderParsing) {
  Request request;
  request.headers.add("Cookie", "a=1; b=2");
  request.headers.add("Cookie", " theme=dark ;fabomatic_session=\"abc\" ; z=");
  EXPECT_EQ(SessionAuth::session_cookie(request), "abc");
  Request none;
  none.headers.add("Cookie", "fabomatic_sessionx=1; xfabomatic_session=2; fabomatic_session=");
  EXPECT_FALSE(SessionAuth::session_cookie(none));
}

}  // namespace
}  // namespace fabomatic::web::test
