// POST /api/v1/auth/login: who may sign in, what the answer and the cookie look like, legacy
// hashes, malformed input, and the audit entries.
#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "db/audit_repository.hpp"
#include "db/passwords.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::web::test {
namespace {

TEST(Login, AdminSignsInWithASecureCookieAndMustChangeAGivenPassword) {
  AuthHarness h;
  Browser browser(h);
  const Response response = browser.login(kAdminEmail, kAdminPassword);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto cookie = std::string(response.headers.get("Set-Cookie").value_or(""));
  EXPECT_EQ(cookie.rfind("fabomatic_session=", 0), 0u) << cookie;
  for (const char* attribute : {"; HttpOnly", "; Secure", "; SameSite=Strict", "; Path=/"})
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute << " in " << cookie;
  // 256 random bits in unpadded base64url.
  EXPECT_EQ(browser.cookie().size(), std::string("fabomatic_session=").size() + 43);
  const auto body = body_json(response);
  EXPECT_EQ(body["user"]["email"], kAdminEmail);
  EXPECT_EQ(body["user"]["name"], "admin admin");
  EXPECT_TRUE(body["password_change_required"].get<bool>());
  EXPECT_EQ(browser.csrf().size(), 43u);
  EXPECT_EQ(response.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(h.auth().size(), 1u);
}

TEST(Login, EMailMatchesWhateverTheCaseAndSurroundingSpaces) {
  AuthHarness h;
  Browser browser(h);
  EXPECT_EQ(browser.login("  ADMIN@Lab.Test ", kAdminPassword).status, 200);
}

TEST(Login, UnknownEMailAndWrongPasswordGetTheSameAnswer) {
  AuthHarness h;
  const Response unknown = Browser(h).login("nobody@lab.test", "whatever1");
  const Response wrong = Browser(h).login(kAdminEmail, "wrong-password");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(error_code(wrong), "invalid_credentials");
  EXPECT_FALSE(unknown.headers.contains("Set-Cookie"));
  EXPECT_FALSE(wrong.headers.contains("Set-Cookie"));
  EXPECT_EQ(h.auth().size(), 0u);
}

TEST(Login, RolesWithoutBackendAdminAreRefused) {
  AuthHarness h;
  h.add_user("staff@lab.test", "staff-pass", "Fab Staff");  // authorize_all, not backend admin
  h.add_user("user@lab.test", "user-pass", "Fab Users");
  for (const auto& [email, password] :
       {std::pair{"staff@lab.test", "staff-pass"}, std::pair{"user@lab.test", "user-pass"}}) {
    const Response response = Browser(h).login(email, password);
    EXPECT_EQ(response.status, 403) << email;
    EXPECT_EQ(error_code(response), "not_allowed");
    EXPECT_FALSE(response.headers.contains("Set-Cookie"));
  }
  EXPECT_EQ(h.auth().size(), 0u);
}

TEST(Login, DisabledAndDeletedUsersAreRefused) {
  AuthHarness h;
  h.add_user("disabled@lab.test", "secret-pass", "admins", /*disabled=*/true);
  const auto deleted = h.add_user("deleted@lab.test", "secret-pass", "admins");
  ASSERT_TRUE(db::UsersRepository(h.db()).remove(deleted));
  const Response disabled = Browser(h).login("disabled@lab.test", "secret-pass");
  EXPECT_EQ(disabled.status, 403);
  EXPECT_EQ(error_code(disabled), "not_allowed");
  // A deleted user does not exist for sign-in: the answer of an unknown address.
  const Response gone = Browser(h).login("deleted@lab.test", "secret-pass");
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(error_code(gone), "invalid_credentials");
  EXPECT_EQ(h.auth().size(), 0u);
}

TEST(Login, AnAdminWithACheapLegacyHashIsRehashedToArgon2id) {
  AuthHarness h;
  const auto id = h.add_user("boss@lab.test", "boss-pass", "admins");
  ASSERT_EQ(Browser(h).login("boss@lab.test", "boss-pass").status, 200);
  const auto hash = db::UsersRepository(h.db()).get(id)->password_hash.value();
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_FALSE(db::needs_rehash(hash));
}

TEST(Login, LegacyFixtureUserSignsInAndIsRehashed) {
  TempDir files;
  const auto path = copy_legacy_fixture(files, "database-0.2.11.db");
  AuthHarness h(test_auth_options(), {}, path);
  // In the fixture user 1's role ("admin") has authorize all but not backend admin: the old
  // portal let it in, so the upgrade granted the portal to its members.
  EXPECT_TRUE(h.setup_code().empty()) << "someone can sign in: nothing to set up";
  const auto before = db::UsersRepository(h.db()).get(1)->password_hash.value();
  ASSERT_EQ(before.rfind("pbkdf2:sha256:", 0), 0u);

  Browser browser(h);
  const Response response = browser.login("marco.rossi@fablab.org", "password1");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_FALSE(body_json(response)["password_change_required"].get<bool>());
  const auto after = db::UsersRepository(h.db()).get(1)->password_hash.value();
  EXPECT_EQ(after.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(db::verify_password("password1", after));
  EXPECT_EQ(browser.get("/api/v1/audit").status, 200);  // a full session, no change due

  // User 2 ("fab users" role) knows the password too but may not use the portal.
  EXPECT_EQ(Browser(h).login("andrea.bianchi@fablab.org", "password2").status, 403);
}

TEST(Login, AnEMailLongerThanAnAddressCanBeIsRefusedBeforeAnythingElse) {
  AuthHarness h;
  const std::string long_email = std::string(250, 'a') + "@lab.test";
  const Response response = Browser(h).login(long_email, "whatever1");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(body_json(response)["error"]["field_codes"]["email"],
            (nlohmann::json{{"code", "too_long"}, {"max", 254}}));
  EXPECT_EQ(db::AuditRepository(h.db()).count({}), 0) << "nothing written for it";
  const Response forgot =
      h.call(Method::post, "/api/v1/auth/forgot", nlohmann::json{{"email", long_email}}.dump());
  EXPECT_EQ(forgot.status, 400);
}

TEST(Login, MalformedInputIsA400NeverA500) {
  AuthHarness h;
  const auto post = [&](std::string body) {
    return h.call(Method::post, "/api/v1/auth/login", std::move(body));
  };
  for (const char* junk : {"{", "[]", "\"x\"", "{\"email\":", "nul", "{\"a\":1}}"}) {
    const Response response = post(junk);
    EXPECT_EQ(response.status, 400) << junk;
    EXPECT_EQ(error_code(response), "malformed_json") << junk;
  }
  // A truncated body is said to be no JSON, not "no object": the client's bug is its framing.
  EXPECT_EQ(body_json(post("{\"email\":"))["error"]["message"], "The body is not valid JSON");
  EXPECT_EQ(body_json(post("[]"))["error"]["message"], "The body must be a JSON object");
  // A key given twice, a NUL byte ending the document early: which e-mail was meant is unknown.
  const Response twice =
      post(R"({"email":"nobody@lab.test","email":"admin@lab.test","password":"x"})");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(error_code(twice), "malformed_json");
  EXPECT_EQ(error_code(post(std::string(R"({"email":"a@b.c","password":"x"})") + '\0' + "}")),
            "malformed_json");
  const Response missing = post("{}");
  EXPECT_EQ(missing.status, 400);
  const auto fields = body_json(missing)["error"]["fields"];
  EXPECT_EQ(fields["email"], "required");
  EXPECT_EQ(fields["password"], "required");
  EXPECT_EQ(body_json(missing)["error"]["field_codes"]["password"]["code"], "required");
  EXPECT_EQ(error_code(missing), "invalid");

  // A misspelt field is named, not read as the missing one (and no attempt is counted).
  const Response typo = post(nlohmann::json{
      {"email", kAdminEmail},
      {"passwrod", kAdminPassword},
      {"remember", true}}.dump());
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(body_json(typo)["error"]["field_codes"]["passwrod"]["code"], "unknown_field");
  EXPECT_EQ(body_json(typo)["error"]["field_codes"]["remember"]["code"], "unknown_field");
  EXPECT_FALSE(body_json(typo)["error"]["fields"].contains("password"));

  const Response typed = post(R"({"email":5,"password":["x"]})");
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(body_json(typed)["error"]["fields"]["email"], "must be a string");
  EXPECT_EQ(body_json(typed)["error"]["field_codes"]["email"],
            (nlohmann::json{{"code", "type"}, {"expected", "string"}}));

  const Response too_long =
      post(nlohmann::json{{"email", kAdminEmail}, {"password", std::string(5000, 'x')}}.dump());
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(body_json(too_long)["error"]["fields"]["password"], "at most 1024 characters");
  EXPECT_EQ(body_json(too_long)["error"]["field_codes"]["password"],
            (nlohmann::json{{"code", "too_long"}, {"max", 1024}}));

  // Invalid UTF-8 in the e-mail parses (nlohmann refuses it at parse time: 400 either way).
  const Response bad_utf8 = post("{\"email\":\"\xff\xfe\",\"password\":\"x\"}");
  EXPECT_EQ(bad_utf8.status, 400);

  Request form;
  form.method = Method::post;
  form.target = "/api/v1/auth/login";
  form.body = "email=admin%40lab.test&password=admin";
  form.headers.set("Content-Type", "application/x-www-form-urlencoded");
  const Response refused = h.call(form);
  EXPECT_EQ(refused.status, 415);  // a cross-site HTML form cannot sign anyone in
}

TEST(Login, AuditRecordsSuccessAndFailureWithTheAddress) {
  AuthHarness h;
  Browser(h, "198.51.100.7").login(kAdminEmail, "nope-nope");
  Browser(h, "198.51.100.8").login("ghost@lab.test", "nope-nope");
  Browser(h, "198.51.100.9").login(kAdminEmail, kAdminPassword);
  const auto entries = db::AuditRepository(h.db()).list();
  ASSERT_EQ(entries.size(), 3u);
  // Newest first.
  EXPECT_EQ(entries[0].action, "login");
  EXPECT_EQ(entries[0].user_email, kAdminEmail);
  EXPECT_TRUE(entries[0].user_id.has_value());
  EXPECT_EQ(entries[0].remote_address, "198.51.100.9");
  EXPECT_EQ(entries[1].action, "login_failed");
  EXPECT_EQ(entries[1].user_email, "ghost@lab.test");
  EXPECT_FALSE(entries[1].user_id.has_value());
  EXPECT_EQ(entries[2].action, "login_failed");
  EXPECT_EQ(entries[2].user_id, entries[0].user_id);
  EXPECT_EQ(entries[2].remote_address, "198.51.100.7");
}

TEST(Login, ANewLoginReplacesTheSessionTheBrowserHeld) {
  AuthHarness h;
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  const std::string first = browser.cookie();
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);
  EXPECT_NE(browser.cookie(), first);
  EXPECT_EQ(h.auth().size(), 1u);  // the old one is gone, not left to be reused
}

}  // namespace
}  // namespace fabomatic::web::test
