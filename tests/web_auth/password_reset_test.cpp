// Forgot password and reset by token: the same answer for every address, the mailed link,
// expiry, single use, sessions ended, the admin-triggered reset.
#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "db/audit_repository.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/users_repository.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web::test {
namespace {

using namespace std::chrono_literals;

Response forgot(AuthHarness& h, const std::string& email,
                const std::string& address = "192.0.2.10") {
  return h.call(Method::post, "/api/v1/auth/forgot", nlohmann::json{{"email", email}}.dump(),
                address);
}

Response reset(AuthHarness& h, const std::string& token, const std::string& password) {
  return h.call(Method::post, "/api/v1/auth/reset",
                nlohmann::json{{"token", token}, {"password", password}}.dump());
}

TEST(PasswordReset, SameAnswerWhetherOrNotTheAddressBelongsToAnAdmin) {
  AuthHarness h;
  h.add_user("member@lab.test", "member-pass", "Fab Users");
  const Response known = forgot(h, kAdminEmail);
  const Response unknown = forgot(h, "nobody@lab.test");
  const Response member = forgot(h, "member@lab.test");  // not a portal account
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(member.status, 202);
  EXPECT_EQ(known.body, unknown.body);
  EXPECT_EQ(known.body, member.body);
  const auto mails = h.mailer().mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, kAdminEmail);
}

TEST(PasswordReset, MailedLinkSetsThePasswordOnceAndEndsSessions) {
  AuthHarness h;
  Browser before(h);
  ASSERT_EQ(before.login(kAdminEmail, kAdminPassword).status, 200);
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  const auto mails = h.mailer().mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].text.find("https://portal.test:23336/#/reset?token="), std::string::npos)
      << mails[0].text;
  EXPECT_NE(mails[0].subject.find("FabLab"), std::string::npos);
  const std::string token = token_in(mails[0]);
  ASSERT_EQ(token.size(), 43u);
  // Only the digest is stored.
  EXPECT_EQ(h.db().query_one<int>("SELECT count(*) FROM password_reset_tokens WHERE token_hash = ?",
                                  token_digest(token)),
            1);
  EXPECT_EQ(h.db().query_one<int>("SELECT count(*) FROM password_reset_tokens WHERE token_hash = ?",
                                  token),
            0);

  const Response too_short = reset(h, token, "short");
  EXPECT_EQ(too_short.status, 400);
  EXPECT_EQ(body_json(too_short)["error"]["fields"]["password"], "at least 8 characters");
  EXPECT_EQ(body_json(too_short)["error"]["field_codes"]["password"],
            (nlohmann::json{{"code", "too_short"}, {"min", 8}}));

  const Response done = reset(h, token, "brand-new-pass");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(body_json(before.get("/api/v1/auth/session"))["signed_in"], false);  // sessions ended
  EXPECT_EQ(h.auth().size(), 0u);

  const Response again = reset(h, token, "another-pass");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(error_code(again), "invalid_token");

  // The chosen password counts as the change the seeded admin owed.
  Browser after(h);
  const Response login = after.login(kAdminEmail, "brand-new-pass");
  ASSERT_EQ(login.status, 200);
  EXPECT_FALSE(body_json(login)["password_change_required"].get<bool>());
  EXPECT_EQ(Browser(h).login(kAdminEmail, kAdminPassword).status, 401);

  const auto entries = db::AuditRepository(h.db()).list({.action = "password_reset"});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].user_email, kAdminEmail);
  EXPECT_EQ(entries[0].entity, "user");
}

TEST(PasswordReset, ALinkWorksWithinThirtyMinutesAndUsingItRevokesTheOthers) {
  AuthHarness h;
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  const auto mails = h.mailer().mails();
  ASSERT_EQ(mails.size(), 2u);
  h.clock().advance(29min);
  EXPECT_EQ(reset(h, token_in(mails[0]), "within-time").status, 200);
  // The other link mailed earlier died with the first use.
  const Response other = reset(h, token_in(mails[1]), "within-time-2");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(error_code(other), "invalid_token");
}

TEST(PasswordReset, ExpiredTokenIsRefused) {
  AuthHarness h;
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  const std::string token = token_in(h.mailer().mails().at(0));
  h.clock().advance(30min + 1s);
  const Response late = reset(h, token, "too-late-pass");
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(error_code(late), "invalid_token");
  EXPECT_EQ(reset(h, "made-up-token", "some-password").status, 400);
  EXPECT_EQ(reset(h, std::string(10'000, 'a'), "some-password").status, 400);
  EXPECT_EQ(Browser(h).login(kAdminEmail, kAdminPassword).status, 200);  // unchanged
}

TEST(PasswordReset, MailsPerAccountAreLimitedSilently) {
  AuthHarness h;  // test options: 2 mails per account per window
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(forgot(h, kAdminEmail, "192.0.2." + std::to_string(i)).status, 202);
  EXPECT_EQ(h.mailer().mails().size(), 2u);
  h.clock().advance(16min);
  EXPECT_EQ(forgot(h, kAdminEmail).status, 202);
  EXPECT_EQ(h.mailer().mails().size(), 3u);
}

TEST(PasswordReset, LinkUsesBaseUrlWhenConfigured) {
  auto options = test_auth_options();
  options.base_url = "https://lab.example.org/portal/";
  AuthHarness h(options);
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  EXPECT_NE(h.mailer().mails().at(0).text.find("https://lab.example.org/portal/#/reset?token="),
            std::string::npos);
  // The Host header of the request never makes it into the link.
  Request request;
  request.method = Method::post;
  request.target = "/api/v1/auth/forgot";
  request.body = R"({"email":"admin@lab.test"})";
  request.headers.set("Content-Type", "application/json");
  request.headers.set("Host", "evil.example");
  h.clock().advance(20min);
  ASSERT_EQ(h.call(request).status, 202);
  EXPECT_EQ(h.mailer().mails().at(1).text.find("evil"), std::string::npos);
}

// The old tool's base_url is a host and port ("fabpi.local:23336"): it wrote https:// before it.
TEST(PasswordReset, ABaseUrlWithoutSchemeIsTheOldToolsHost) {
  auto options = test_auth_options();
  options.base_url = "fabpi.local:23336";
  AuthHarness h(options);
  ASSERT_EQ(forgot(h, kAdminEmail).status, 202);
  EXPECT_NE(h.mailer().mails().at(0).text.find("https://fabpi.local:23336/#/reset?token="),
            std::string::npos)
      << h.mailer().mails().at(0).text;
}

TEST(PasswordReset, AdminTriggeredResetForAMember) {
  AuthHarness h;
  const auto member = h.add_user("member@lab.test", "member-pass", "admins");
  db::User no_mail;
  no_mail.name = "No";
  no_mail.surname = "Mail";
  no_mail.role_id = h.role_id("Fab Users");
  const auto without_email = db::UsersRepository(h.db()).create(no_mail);
  const auto no_portal = h.add_user("user@lab.test", "user-pass", "Fab Users");

  PasswordResets resets(h.auth(), h.mailer(), h.audit(),
                        PasswordResetOptions{"https://portal.test:23336"});
  Principal admin{1, kAdminEmail, "admin admin", "", "192.0.2.1"};
  EXPECT_EQ(resets.request_for_user(member, admin), PasswordResets::AdminOutcome::sent);
  EXPECT_EQ(resets.request_for_user(without_email, admin), PasswordResets::AdminOutcome::no_email);
  EXPECT_EQ(resets.request_for_user(99999, admin), PasswordResets::AdminOutcome::not_found);
  // A role without the portal: a new password would open nothing.
  EXPECT_EQ(resets.request_for_user(no_portal, admin),
            PasswordResets::AdminOutcome::no_portal_access);
  const auto mails = h.mailer().mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "member@lab.test");
  EXPECT_EQ(reset(h, token_in(mails[0]), "member-new-pass").status, 200);
  EXPECT_EQ(Browser(h).login("member@lab.test", "member-new-pass").status, 200);

  const auto requested = db::AuditRepository(h.db()).list({.action = "password_reset_requested"});
  ASSERT_EQ(requested.size(), 1u);
  EXPECT_EQ(requested[0].entity_id, member);
  EXPECT_EQ(requested[0].user_email, kAdminEmail);
}

TEST(PasswordReset, MalformedRequests) {
  AuthHarness h;
  EXPECT_EQ(h.call(Method::post, "/api/v1/auth/forgot", "{").status, 400);
  const Response missing = h.call(Method::post, "/api/v1/auth/forgot", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(body_json(missing)["error"]["fields"]["email"], "required");
  EXPECT_EQ(body_json(missing)["error"]["field_codes"]["email"]["code"], "required");
  const Response reset_missing = h.call(Method::post, "/api/v1/auth/reset", R"({"token":1})");
  EXPECT_EQ(reset_missing.status, 400);
  EXPECT_EQ(body_json(reset_missing)["error"]["fields"]["token"], "must be a string");
  EXPECT_EQ(body_json(reset_missing)["error"]["field_codes"]["token"],
            (nlohmann::json{{"code", "type"}, {"expected", "string"}}));
  EXPECT_EQ(body_json(reset_missing)["error"]["fields"]["password"], "required");
  EXPECT_TRUE(h.mailer().mails().empty());
}

}  // namespace
}  // namespace fabomatic::web::test
