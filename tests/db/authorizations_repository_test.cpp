#include "db/authorizations_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class AuthorizationsRepositoryTest : public RepoTest {
 protected:
  AuthorizationsRepository auths{conn};
  Id role = add_role("Fab Users");
  Id u1 = add_user("A", role, "000000a1");
  Id u2 = add_user("B", role, "000000b2");
  Id u3 = add_user("C", role, "000000c3");
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
};

std::vector<Id> ids(const std::vector<Authorization>& list) {
  std::vector<Id> out;
  for (const auto& a : list)
    out.push_back(a.id);
  return out;
}

TEST_F(AuthorizationsRepositoryTest, CreateGetExistsRemove) {
  const Id id = auths.create(u1, m1);
  const auto auth = auths.get(id);
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->user_id, u1);
  EXPECT_EQ(auth->machine_id, m1);
  EXPECT_TRUE(auths.exists(u1, m1));
  EXPECT_FALSE(auths.exists(u1, m2));
  EXPECT_FALSE(auths.exists(u2, m1));
  EXPECT_TRUE(auths.remove(id));
  EXPECT_FALSE(auths.exists(u1, m1));
  EXPECT_FALSE(auths.remove(id));
  EXPECT_FALSE(auths.get(id));
}

TEST_F(AuthorizationsRepositoryTest, DuplicatePairsAndMissingRowsConflict) {
  auths.create(u1, m1);
  try {
    auths.create(u1, m1);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "user_machine");
  }
  try {
    auths.create(999, m1);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "references");
  }
  EXPECT_THROW(auths.create(u1, 999), Conflict);
}

TEST_F(AuthorizationsRepositoryTest, UpdateMovesThePair) {
  const Id id = auths.create(u1, m1);
  auths.create(u2, m2);
  EXPECT_TRUE(auths.update(Authorization{.id = id, .user_id = u3, .machine_id = m2}));
  EXPECT_TRUE(auths.exists(u3, m2));
  EXPECT_FALSE(auths.exists(u1, m1));
  EXPECT_THROW(auths.update(Authorization{.id = id, .user_id = u2, .machine_id = m2}), Conflict);
  EXPECT_FALSE(auths.update(Authorization{.id = 999, .user_id = u1, .machine_id = m1}));
}

TEST_F(AuthorizationsRepositoryTest, RemovePair) {
  auths.create(u1, m1);
  EXPECT_TRUE(auths.remove_pair(u1, m1));
  EXPECT_FALSE(auths.remove_pair(u1, m1));
}

TEST_F(AuthorizationsRepositoryTest, BulkAddSkipsExistingPairsAndRepeats) {
  auths.create(u2, m1);
  const std::vector<Id> users{u1, u2, u3, u1};
  EXPECT_EQ(auths.bulk_add(m1, users), 2);
  EXPECT_TRUE(auths.exists(u1, m1));
  EXPECT_TRUE(auths.exists(u3, m1));
  EXPECT_EQ(auths.count({.machine_id = m1}), 3);
  EXPECT_EQ(auths.bulk_add(m1, users), 0);
}

TEST_F(AuthorizationsRepositoryTest, BulkAddWithAMissingUserAddsNothing) {
  const std::vector<Id> users{u1, 999, u3};
  EXPECT_THROW(auths.bulk_add(m2, users), Conflict);
  EXPECT_EQ(auths.count({.machine_id = m2}), 0);
}

TEST_F(AuthorizationsRepositoryTest, BulkRemoveCountsWhatExisted) {
  const Id a = auths.create(u1, m1);
  const Id b = auths.create(u2, m1);
  const Id c = auths.create(u3, m1);
  const std::vector<Id> doomed{a, c, 999};
  EXPECT_EQ(auths.bulk_remove(doomed), 2);
  EXPECT_EQ(ids(auths.list()), (std::vector<Id>{b}));
}

TEST_F(AuthorizationsRepositoryTest, ListFiltersSortsAndPages) {
  const Id a = auths.create(u2, m1);
  const Id b = auths.create(u1, m2);
  const Id c = auths.create(u1, m1);
  EXPECT_EQ(ids(auths.list()), (std::vector<Id>{a, b, c}));
  EXPECT_EQ(auths.count(), 3);
  EXPECT_EQ(ids(auths.list({.user_id = u1})), (std::vector<Id>{b, c}));
  EXPECT_EQ(ids(auths.list({.machine_id = m1})), (std::vector<Id>{a, c}));
  EXPECT_EQ(ids(auths.list({.user_id = u1, .machine_id = m1})), (std::vector<Id>{c}));
  EXPECT_EQ(auths.count({.user_id = u1}), 2);
  EXPECT_EQ(ids(auths.list({.sort = AuthorizationSort::User})), (std::vector<Id>{c, b, a}));
  EXPECT_EQ(ids(auths.list({.sort = AuthorizationSort::Machine, .descending = true})),
            (std::vector<Id>{b, a, c}));
  EXPECT_EQ(ids(auths.list({}, {.limit = 2, .offset = 1})), (std::vector<Id>{b, c}));
}

}  // namespace
}  // namespace fabomatic::db::test
