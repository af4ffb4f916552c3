// An admin changing a member's password or e-mail through PATCH /api/v1/members/{id}: the
// member's sessions end at once and a reset link mailed before sets nothing any more; an admin
// changing their own keeps the session they are using.
#include "db/passwords.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/users_repository.hpp"
#include "support_api.hpp"
#include "web/auth/sessions.hpp"

namespace fabomatic::web::api::test {
namespace {

class MemberCredentialsTest : public ApiTest {
 protected:
  MemberCredentialsTest() : sessions_(db_) { context_.auth = &sessions_; }

  db::Id member(const std::string& email) {
    const db::Id admins =
        db_.query_one<db::Id>("SELECT role_id FROM roles WHERE role_name = 'admins'");
    return create(
        "members",
        {{"name", "Lucia"}, {"role_id", admins}, {"email", email}, {"password", "lucia-pass-1"}});
  }

  // A signed-in browser of `user`: the request that carries its cookie.
  Request session_of(db::Id user) {
    const auto opened = sessions_.open(user, "192.0.2.1");
    EXPECT_TRUE(opened.has_value());
    Request request;
    request.headers.add("Cookie", opened->cookie.substr(0, opened->cookie.find(';')));
    return request;
  }

  void reset_link_of(db::Id user, const std::string& digest) {
    db::ResetTokensRepository(db_).insert({digest, user, now_, now_ + 1800, std::nullopt});
  }

  bool link_usable(const std::string& digest) {
    return !db::ResetTokensRepository(db_).get(digest)->used.has_value();
  }

  SessionAuth sessions_;
};

TEST_F(MemberCredentialsTest, ANewPasswordEndsTheMembersSessionsAndResetLinks) {
  const db::Id lucia = member("lucia@lab.example");
  const Request browser = session_of(lucia);
  const Request other = session_of(lucia);
  reset_link_of(lucia, "digest-1");
  ASSERT_TRUE(sessions_.authenticate(browser));

  // Another field: nothing ends.
  ASSERT_EQ(patch("/api/v1/members/" + std::to_string(lucia), {{"surname", "Bianchi"}}).status,
            200);
  EXPECT_TRUE(sessions_.authenticate(browser));
  EXPECT_TRUE(link_usable("digest-1"));

  ASSERT_EQ(patch("/api/v1/members/" + std::to_string(lucia), {{"password", "new-pass-22"}}).status,
            200);
  EXPECT_FALSE(sessions_.authenticate(browser));
  EXPECT_FALSE(sessions_.authenticate(other));
  EXPECT_EQ(sessions_.size(), 0u);
  EXPECT_FALSE(link_usable("digest-1"));
}

TEST_F(MemberCredentialsTest, APasswordIsKeptAsTypedSpacesIncluded) {
  const db::Id lucia = member("lucia@lab.example");
  ASSERT_EQ(
      patch("/api/v1/members/" + std::to_string(lucia), {{"password", "  padded-pass1  "}}).status,
      200);
  const auto hash = db::UsersRepository(db_).get(lucia)->password_hash;
  ASSERT_TRUE(hash);
  EXPECT_TRUE(db::verify_password("  padded-pass1  ", *hash));
  EXPECT_FALSE(db::verify_password("padded-pass1", *hash));
  // Ten characters, four of them spaces, are ten characters.
  EXPECT_EQ(patch("/api/v1/members/" + std::to_string(lucia), {{"password", "    ab-cde"}}).status,
            200);
}

TEST_F(MemberCredentialsTest, ANewEMailEndsThemToo) {
  const db::Id lucia = member("lucia@lab.example");
  const Request browser = session_of(lucia);
  reset_link_of(lucia, "digest-2");
  // The same address in other letters is the same address.
  ASSERT_EQ(
      patch("/api/v1/members/" + std::to_string(lucia), {{"email", "Lucia@Lab.Example"}}).status,
      200);
  EXPECT_TRUE(sessions_.authenticate(browser));
  EXPECT_TRUE(link_usable("digest-2"));
  ASSERT_EQ(
      patch("/api/v1/members/" + std::to_string(lucia), {{"email", "lucia@elsewhere.org"}}).status,
      200);
  EXPECT_FALSE(sessions_.authenticate(browser));
  EXPECT_FALSE(link_usable("digest-2"));
}

TEST_F(MemberCredentialsTest, AChangeMadeOutsideThePortalEndsThemAtTheNextRequest) {
  // `fabomatic admin set-password` in a shell writes the database, not the portal's memory.
  const db::Id lucia = member("lucia@lab.example");
  const Request browser = session_of(lucia);
  db_.execute("UPDATE users SET password_hash = 'changed elsewhere' WHERE user_id = ?", lucia);
  EXPECT_FALSE(sessions_.authenticate(browser));
}

TEST_F(MemberCredentialsTest, WhoChangesTheirOwnKeepsTheSessionTheyUse) {
  // What the PATCH of one's own password does after its commit (and the password change route):
  // the other sessions end, the one of the request goes on with the new credentials.
  const db::Id lucia = member("lucia@lab.example");
  const Request mine = session_of(lucia);
  const Request elsewhere = session_of(lucia);
  db_.execute("UPDATE users SET password_hash = 'new hash' WHERE user_id = ?", lucia);
  EXPECT_EQ(sessions_.close_user_sessions(lucia, &mine), 1u);
  EXPECT_TRUE(sessions_.authenticate(mine));
  EXPECT_FALSE(sessions_.authenticate(elsewhere));
}

}  // namespace
}  // namespace fabomatic::web::api::test
