// Who may sign in to the portal, as the database says: a role with backend_admin or a grant of
// one's own; a legacy upgrade grants the portal to whoever the old portal let in (a role with
// authorize all), and a new database seeds no known password and no card.
#include <gtest/gtest.h>

#include "db/database.hpp"
#include "db/portal_access.hpp"
#include "db/seed.hpp"
#include "db/users_repository.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

std::vector<std::string> emails(const std::vector<SignInAccount>& accounts) {
  std::vector<std::string> out;
  for (const auto& account : accounts)
    out.push_back(account.user.email.value_or(""));
  return out;
}

TEST(PortalAccess, ANewDatabaseHasItsAdminWithoutPasswordOrCard) {
  test::TempDir dir;
  auto db = open_database(dir.file("new.sqldb"), {.default_admin_email = "boss@lab.example"});
  EXPECT_TRUE(db.created);
  EXPECT_TRUE(db.portal_granted.empty());
  const auto accounts = sign_in_accounts(db.conn);
  ASSERT_EQ(emails(accounts), std::vector<std::string>{"boss@lab.example"});
  EXPECT_EQ(accounts[0].via, PortalVia::role);
  EXPECT_FALSE(accounts[0].has_password()) << "no password anybody could know";
  EXPECT_FALSE(accounts[0].user.card) << "no card that opens every machine";
  EXPECT_EQ(db.conn.query_one<int>("SELECT COUNT(*) FROM users WHERE \"card_UUID\" IS NOT NULL"),
            0);
}

// The 0.4.0 fixture: role 1 "admin" has authorize all but not backend admin (the old portal let
// it in), roles 2 and 3 neither. User 1 (Mario Rossi, password1) is in role 1.
TEST(PortalAccess, ALegacyUpgradeKeepsTheOldPortalsAccountsAndNoOneElse) {
  test::TempDir dir;
  const auto path = test::copy_fixture(dir, "database-0.4.0.db");
  {
    auto db = open_database(path, {.default_admin_email = "admin@lab.example"});
    ASSERT_TRUE(db.upgraded);
    EXPECT_EQ(db.portal_granted, std::vector<Id>{1});
    const auto accounts = sign_in_accounts(db.conn);
    ASSERT_EQ(emails(accounts), std::vector<std::string>{"marco.rossi@fablab.org"});
    EXPECT_EQ(accounts[0].via, PortalVia::grant);
    EXPECT_TRUE(accounts[0].has_password());
    EXPECT_EQ(PortalGrantsRepository(db.conn).get(1)->reason, "legacy upgrade");
    // The roles stay as they were: a new member of "admin" gets no portal.
    EXPECT_EQ(db.conn.query_one<int>("SELECT backend_admin FROM roles WHERE role_id = 1"), 0);
    User newcomer;
    newcomer.name = "New";
    newcomer.role_id = 1;
    newcomer.email = "new@fablab.org";
    const Id id = UsersRepository(db.conn).create(newcomer);
    EXPECT_EQ(portal_via(db.conn, *UsersRepository(db.conn).get(id)), PortalVia::none);
    EXPECT_EQ(sign_in_accounts(db.conn).size(), 1u);
  }
  // Opened again: nothing more is granted (the file is ours now).
  auto again = open_database(path, {.default_admin_email = "admin@lab.example"});
  EXPECT_FALSE(again.upgraded);
  EXPECT_TRUE(again.portal_granted.empty());
}

TEST(PortalAccess, GrantRevokeAndWhoMaySignIn) {
  test::TempDir dir;
  auto db = open_database(dir.file("new.sqldb"), {.default_admin_email = "boss@lab.example"});
  UsersRepository users(db.conn);
  User staff;
  staff.name = "Lucia";
  staff.role_id = db.conn.query_one<Id>("SELECT role_id FROM roles WHERE role_name = 'Fab Staff'");
  staff.email = "lucia@lab.example";
  const Id lucia = users.create(staff);
  EXPECT_EQ(portal_via(db.conn, *users.get(lucia)), PortalVia::none);

  PortalGrantsRepository grants(db.conn);
  EXPECT_TRUE(grants.grant(lucia, 1000, "command line"));
  EXPECT_FALSE(grants.grant(lucia, 2000, "portal")) << "once";
  EXPECT_EQ(grants.get(lucia)->granted, 1000);
  EXPECT_EQ(portal_via(db.conn, *users.get(lucia)), PortalVia::grant);
  EXPECT_EQ(emails(sign_in_accounts(db.conn)),
            (std::vector<std::string>{"boss@lab.example", "lucia@lab.example"}));

  // Disabled, without an e-mail, or deleted: the grant stays, signing in does not.
  db.conn.execute("UPDATE users SET disabled = 1 WHERE user_id = ?", lucia);
  EXPECT_EQ(sign_in_accounts(db.conn).size(), 1u);
  db.conn.execute("UPDATE users SET disabled = 0, email = NULL WHERE user_id = ?", lucia);
  EXPECT_EQ(sign_in_accounts(db.conn).size(), 1u);
  db.conn.execute("UPDATE users SET email = 'lucia@lab.example' WHERE user_id = ?", lucia);
  EXPECT_EQ(sign_in_accounts(db.conn).size(), 2u);

  EXPECT_TRUE(grants.revoke(lucia));
  EXPECT_FALSE(grants.revoke(lucia));
  EXPECT_EQ(sign_in_accounts(db.conn).size(), 1u);

  // A grant goes with its member.
  grants.grant(lucia, 3000, "portal");
  db.conn.execute("DELETE FROM users WHERE user_id = ?", lucia);
  EXPECT_EQ(db.conn.query_one<int>("SELECT COUNT(*) FROM portal_grants"), 0);
}

}  // namespace
}  // namespace fabomatic::db
