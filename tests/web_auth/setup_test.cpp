// First start: no known password. A one-time setup code, announced in the log, lets whoever
// holds it choose the first administrator's password (GET/POST /api/v1/auth/setup); nobody can
// sign in before, a wrong code counts like a failed sign-in, and the code works once.
#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "db/audit_repository.hpp"
#include "db/passwords.hpp"
#include "db/users_repository.hpp"
#include "web/auth/setup.hpp"

namespace fabomatic::web::test {
namespace {

constexpr const char* kChosen = "chosen-admin-pass";

Response setup(AuthHarness& h, const std::string& code, const std::string& password,
               const std::string& address = "192.0.2.10") {
  return h.call(Method::post, "/api/v1/auth/setup",
                nlohmann::json{{"code", code}, {"password", password}}.dump(), address);
}

TEST(FirstSetup, CodesAreTwelveTypableCharactersAndForgiveCaseAndDashes) {
  const std::string code = FirstSetup::generate();
  ASSERT_EQ(code.size(), 14u);
  EXPECT_EQ(code[4], '-');
  EXPECT_EQ(code[9], '-');
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i == 4 || i == 9) continue;
    EXPECT_NE(std::string_view("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(code[i]),
              std::string_view::npos)
        << code;
  }
  EXPECT_NE(FirstSetup::generate(), code);
  EXPECT_EQ(FirstSetup::normalize("7kq2-xh9o pr4l"), "7KQ2XH90PR41");
}

TEST(FirstSetup, NobodyCanSignInUntilTheCodeSetsThePassword) {
  AuthHarness h(test_auth_options(), {}, std::nullopt, /*admin_password=*/false);
  ASSERT_FALSE(h.setup_code().empty()) << "announced at start";
  EXPECT_EQ(h.setup_email(), kAdminEmail);

  const Response state = h.call(Method::get, "/api/v1/auth/setup");
  ASSERT_EQ(state.status, 200);
  EXPECT_TRUE(body_json(state)["pending"].get<bool>());
  EXPECT_EQ(body_json(state)["email"], kAdminEmail);
  // The old seeded password is no password at all now.
  EXPECT_EQ(Browser(h).login(kAdminEmail, "admin").status, 401);

  // A wrong code, a short password: refused, nothing set.
  const Response wrong = setup(h, "AAAA-AAAA-AAAA", kChosen);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(body_json(wrong)["error"]["fields"]["code"], "wrong setup code");
  const Response weak = setup(h, h.setup_code(), "short");
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(body_json(weak)["error"]["fields"]["password"], "at least 8 characters");

  // The code, typed in lower case without dashes: the password is set and the caller signed in.
  std::string typed = h.setup_code();
  std::erase(typed, '-');
  for (char& c : typed)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const Response done = setup(h, typed, kChosen);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(body_json(done)["user"]["email"], kAdminEmail);
  EXPECT_FALSE(body_json(done)["password_change_required"].get<bool>());
  EXPECT_NE(std::string(done.headers.get("Set-Cookie").value_or("")).find("fabomatic_session="),
            std::string::npos);
  const auto admin = db::UsersRepository(h.db()).by_email(kAdminEmail);
  EXPECT_TRUE(db::verify_password(kChosen, admin->password_hash.value()));
  EXPECT_EQ(db::AuditRepository(h.db()).list({.action = "setup"}, {}).size(), 1u);

  // Once: the code is spent, setup is no longer pending, the password signs in.
  EXPECT_EQ(setup(h, h.setup_code(), "another-pass-1").status, 409);
  EXPECT_FALSE(body_json(h.call(Method::get, "/api/v1/auth/setup"))["pending"].get<bool>());
  EXPECT_TRUE(body_json(h.call(Method::get, "/api/v1/auth/setup"))["email"].is_null());
  EXPECT_EQ(Browser(h).login(kAdminEmail, kChosen).status, 200);
}

TEST(FirstSetup, WrongCodesCountAgainstTheAddressBeforeAnyHashing) {
  AuthOptions options = test_auth_options();  // 5 failures per address
  AuthHarness h(options, {}, std::nullopt, /*admin_password=*/false);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(setup(h, "WRONG-CODE-" + std::to_string(i), kChosen).status, 400);
  // Blocked, even with the right code: the limit is per address.
  EXPECT_EQ(setup(h, h.setup_code(), kChosen).status, 429);
  // From elsewhere the code still works.
  EXPECT_EQ(setup(h, h.setup_code(), kChosen, "198.51.100.7").status, 200);
}

TEST(FirstSetup, ManyWrongCodesReplaceTheCode) {
  AuthHarness h(test_auth_options(), {}, std::nullopt, /*admin_password=*/false);
  const std::string first = h.setup_code();
  // From many addresses (the per-address limit does not stop a spread guess): after 20 wrong
  // codes in all, a new code is announced and the old one is worth nothing.
  for (int i = 0; i < 20; ++i)
    setup(h, "WRONG", kChosen, "203.0.113." + std::to_string(i));
  EXPECT_NE(h.setup_code(), first);
  EXPECT_EQ(setup(h, first, kChosen, "192.0.2.99").status, 400);
  EXPECT_EQ(setup(h, h.setup_code(), kChosen, "192.0.2.99").status, 200);
}

TEST(FirstSetup, NotPendingWhenAnAccountCanSignIn) {
  AuthHarness h;  // the fixture's admin has a password
  EXPECT_TRUE(h.setup_code().empty());
  EXPECT_FALSE(body_json(h.call(Method::get, "/api/v1/auth/setup"))["pending"].get<bool>());
  EXPECT_EQ(setup(h, "ANYTHING", kChosen).status, 409);
}

TEST(FirstSetup, APasswordSetElsewhereEndsTheSetup) {
  AuthHarness h(test_auth_options(), {}, std::nullopt, /*admin_password=*/false);
  const std::string code = h.setup_code();
  // `fabomatic admin set-password` while the portal runs.
  h.db().execute("UPDATE users SET password_hash = ? WHERE email = ?",
                 cheap_legacy_hash("from-the-shell"), std::string(kAdminEmail));
  EXPECT_FALSE(body_json(h.call(Method::get, "/api/v1/auth/setup"))["pending"].get<bool>());
  EXPECT_EQ(setup(h, code, kChosen).status, 409);
  EXPECT_EQ(Browser(h).login(kAdminEmail, "from-the-shell").status, 200);
}

}  // namespace
}  // namespace fabomatic::web::test
