#include "db/roles_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class RolesRepositoryTest : public RepoTest {
 protected:
  RolesRepository roles{conn};
};

TEST_F(RolesRepositoryTest, CreateGetByNameAndList) {
  const Id staff =
      roles.create(Role{.name = "Fab Staff", .authorize_all = true, .maintenance = true});
  const Id admins = roles.create(Role{.name = "admins",
                                      .authorize_all = true,
                                      .reserved = false,
                                      .maintenance = true,
                                      .backend_admin = true});
  const auto role = roles.get(admins);
  ASSERT_TRUE(role);
  EXPECT_EQ(role->name, "admins");
  EXPECT_TRUE(role->authorize_all);
  EXPECT_FALSE(role->reserved);
  EXPECT_TRUE(role->maintenance);
  EXPECT_TRUE(role->backend_admin);
  EXPECT_EQ(roles.by_name("Fab Staff")->id, staff);
  EXPECT_FALSE(roles.by_name("nobody"));
  EXPECT_FALSE(roles.get(admins + 10));
  const auto all = roles.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, staff);
  EXPECT_EQ(all[1].id, admins);
}

TEST_F(RolesRepositoryTest, DuplicateNameConflicts) {
  roles.create(Role{.name = "Fab Users"});
  try {
    roles.create(Role{.name = "Fab Users"});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "name");
  }
  auto other = *roles.get(roles.create(Role{.name = "Other"}));
  other.name = "Fab Users";
  EXPECT_THROW(roles.update(other), Conflict);
}

TEST_F(RolesRepositoryTest, UpdateWritesEveryFlag) {
  const Id id = roles.create(Role{.name = "Fab Users"});
  Role changed{.id = id,
               .name = "Members",
               .authorize_all = true,
               .reserved = false,
               .maintenance = true,
               .backend_admin = true};
  EXPECT_TRUE(roles.update(changed));
  const auto role = roles.get(id);
  EXPECT_EQ(role->name, "Members");
  EXPECT_TRUE(role->authorize_all);
  EXPECT_TRUE(role->maintenance);
  EXPECT_TRUE(role->backend_admin);
  changed.authorize_all = false;
  EXPECT_TRUE(roles.update(changed));
  EXPECT_FALSE(roles.get(id)->authorize_all);
  EXPECT_TRUE(roles.get(id)->maintenance);
  changed.id = id + 10;
  EXPECT_FALSE(roles.update(changed));
}

TEST_F(RolesRepositoryTest, ReservedRolesCannotBeEditedOrDeleted) {
  const Id id = roles.create(Role{.name = "Anonymous", .reserved = true});
  auto role = *roles.get(id);
  role.backend_admin = true;
  try {
    roles.update(role);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "reserved");
  }
  EXPECT_THROW(roles.remove(id), Conflict);
  EXPECT_FALSE(roles.get(id)->backend_admin);
}

TEST_F(RolesRepositoryTest, RemoveRefusesWhileUsersHaveTheRole) {
  const Id id = roles.create(Role{.name = "Fab Users"});
  const Id user = add_user("Mario", id, "aabbccd1");
  EXPECT_EQ(roles.count_users(id), 1);
  try {
    roles.remove(id);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "references");
  }
  EXPECT_TRUE(roles.get(id));
  conn.execute("DELETE FROM users WHERE user_id = ?", user);
  EXPECT_EQ(roles.count_users(id), 0);
  EXPECT_TRUE(roles.remove(id));
  EXPECT_FALSE(roles.get(id));
  EXPECT_FALSE(roles.remove(id));
}

}  // namespace
}  // namespace fabomatic::db::test
