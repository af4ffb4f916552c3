#include "db/users_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class UsersRepositoryTest : public RepoTest {
 protected:
  Id role = add_role("Fab Users");
  UsersRepository users{conn};
};

TEST_F(UsersRepositoryTest, CreateGetRoundTripsEveryColumnAndStoresTheCardLowercase) {
  const Id id = users.create(User{.name = "Mario",
                                  .surname = "Rossi",
                                  .role_id = role,
                                  .card = "AABBCCD1",
                                  .disabled = true,
                                  .password_hash = "hash",
                                  .email = "mario@example.org",
                                  .receive_weekly_summary = true,
                                  .password_change_required = true});
  const auto user = users.get(id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->id, id);
  EXPECT_EQ(user->name, "Mario");
  EXPECT_EQ(user->surname, "Rossi");
  EXPECT_EQ(user->role_id, role);
  EXPECT_EQ(user->card, "aabbccd1");
  EXPECT_TRUE(user->disabled);
  EXPECT_FALSE(user->deleted);
  EXPECT_EQ(user->password_hash, "hash");
  EXPECT_EQ(user->email, "mario@example.org");
  EXPECT_TRUE(user->receive_weekly_summary);
  EXPECT_TRUE(user->password_change_required);
  EXPECT_EQ(conn.query_one<std::string>("SELECT \"card_UUID\" FROM users WHERE user_id = ?", id),
            "aabbccd1");
  EXPECT_FALSE(users.get(id + 100));
}

TEST_F(UsersRepositoryTest, AnEmptyCardIsNoCard) {
  const Id a = add_user("A", role, "");
  const Id b = add_user("B", role, "");
  EXPECT_FALSE(users.get(a)->card);
  EXPECT_FALSE(users.get(b)->card);
}

TEST_F(UsersRepositoryTest, ByCardIsCaseInsensitive) {
  const Id id = add_user("Mario", role, "AaBbCcD1");
  ASSERT_TRUE(users.by_card("aabbccd1"));
  EXPECT_EQ(users.by_card("aabbccd1")->id, id);
  EXPECT_EQ(users.by_card("AABBCCD1")->id, id);
  EXPECT_FALSE(users.by_card("aabbccd2"));
  EXPECT_FALSE(users.by_card(""));
}

TEST_F(UsersRepositoryTest, ByCardFindsLegacyUppercaseCardsAndPrefersTheExactCase) {
  // A legacy file may keep two cards differing only by case (the upgrade leaves them).
  conn.execute(
      "INSERT INTO users (user_id, name, surname, role_id, \"card_UUID\", disabled, deleted) "
      "VALUES (10, 'Upper', 'U', ?, 'ABCD1234', 0, 0), (11, 'Lower', 'L', ?, 'abcd1234', 0, 0), "
      "(12, 'Only', 'O', ?, 'FFEE0011', 0, 0)",
      role, role, role);
  EXPECT_EQ(users.by_card("abcd1234")->id, 11);
  EXPECT_EQ(users.by_card("ffee0011")->id, 12);
}

// A card passed on to a new member while an old row still shows it (a deleted member's card left
// by an old version, or a disabled member's card in another case) is the live member's.
TEST_F(UsersRepositoryTest, ByCardPrefersALiveHolderToADeletedOrDisabledOne) {
  conn.execute(
      "INSERT INTO users (user_id, name, surname, role_id, \"card_UUID\", disabled, deleted) "
      "VALUES (20, 'Gone', 'G', ?1, 'aabbccd1', 0, 1), (21, 'New', 'N', ?1, 'AABBCCD1', 0, 0), "
      "(22, 'Off', 'O', ?1, 'aabbccd3', 1, 0), (23, 'On', 'O', ?1, 'AABBCCD3', 0, 0), "
      "(24, 'Gone', 'G', ?1, 'aabbccd5', 0, 1)",
      role);
  EXPECT_EQ(users.by_card("aabbccd1")->id, 21);
  EXPECT_EQ(users.by_card("AABBCCD3")->id, 23);
  // A deleted member's card that nobody else has is still found: the caller decides (step 1).
  EXPECT_EQ(users.by_card("aabbccd5")->id, 24);
}

TEST_F(UsersRepositoryTest, ByCardUsesAnIndex) {
  auto plan = conn.prepare(
      "EXPLAIN QUERY PLAN SELECT user_id FROM users u WHERE lower(\"card_UUID\") = ?1 ORDER BY " +
      card_holder_order("u") + " LIMIT 1");
  std::string detail;
  while (plan.step())
    detail += plan.get<std::string>(3) + "\n";
  EXPECT_NE(detail.find("USING INDEX idx_users_card_lower"), std::string::npos) << detail;
}

TEST_F(UsersRepositoryTest, DuplicateCardsConflictInAnyCase) {
  const Id first = add_user("A", role, "aabbccd1");
  try {
    add_user("B", role, "AABBCCD1");
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "card");
  }
  const Id second = add_user("B", role, "11223344");
  auto user = *users.get(second);
  user.card = "aabbccd1";
  EXPECT_THROW(users.update(user), Conflict);
  // The unique index itself (same case) is translated as well.
  conn.execute("UPDATE users SET \"card_UUID\" = 'ffffffff' WHERE user_id = ?", first);
  try {
    conn.execute("DROP INDEX idx_users_card_lower");  // keep the check below on the SQLite path
    user.card = "ffffffff";
    users.update(user);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "card");
  }
  // A user keeps its own card across updates.
  auto own = *users.get(first);
  own.name = "Renamed";
  EXPECT_TRUE(users.update(own));
}

TEST_F(UsersRepositoryTest, UpdateWritesEveryColumn) {
  const Id id = add_user("Mario", role, "aabbccd1");
  const Id other_role = add_role("Fab Staff", true, true);
  User changed{.id = id,
               .name = "Luigi",
               .surname = "Verdi",
               .role_id = other_role,
               .card = "0000AAAA",
               .disabled = true,
               .password_hash = "h2",
               .email = "luigi@example.org",
               .receive_weekly_summary = true,
               .password_change_required = true};
  EXPECT_TRUE(users.update(changed));
  changed.card = "0000aaaa";
  const auto user = users.get(id);
  EXPECT_EQ(user->name, changed.name);
  EXPECT_EQ(user->surname, changed.surname);
  EXPECT_EQ(user->role_id, other_role);
  EXPECT_EQ(user->card, changed.card);
  EXPECT_TRUE(user->disabled);
  EXPECT_EQ(user->password_hash, "h2");
  EXPECT_EQ(user->email, changed.email);
  EXPECT_TRUE(user->receive_weekly_summary);
  EXPECT_TRUE(user->password_change_required);
  changed.id = id + 100;
  changed.card = "0000bbbb";
  EXPECT_FALSE(users.update(changed));
}

TEST_F(UsersRepositoryTest, UpdateToAMissingRoleConflicts) {
  auto user = *users.get(add_user("Mario", role, "aabbccd1"));
  user.role_id = 999;
  try {
    users.update(user);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "references");
  }
}

TEST_F(UsersRepositoryTest, SetPasswordHash) {
  const Id id = add_user("Mario", role, "aabbccd1");
  EXPECT_TRUE(users.set_password_hash(id, "$argon2id$x"));
  EXPECT_EQ(users.get(id)->password_hash, "$argon2id$x");
  EXPECT_FALSE(users.set_password_hash(id + 1, "x"));
}

TEST_F(UsersRepositoryTest, RemoveIsASoftDeleteThatFreesTheCard) {
  const Id id = add_user("Mario", role, "aabbccd1");
  EXPECT_TRUE(users.remove(id));
  const auto user = users.get(id);
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->deleted);
  EXPECT_FALSE(user->card);
  EXPECT_FALSE(users.by_card("aabbccd1"));
  EXPECT_NO_THROW(add_user("New owner", role, "aabbccd1"));
  EXPECT_FALSE(users.remove(id + 100));
}

TEST_F(UsersRepositoryTest, ByEmailIgnoresCaseAndDeletedUsers) {
  auto user = User{.name = "M", .surname = "R", .role_id = role, .email = "Mario@Example.org"};
  const Id id = users.create(user);
  EXPECT_EQ(users.by_email("mario@example.org")->id, id);
  EXPECT_FALSE(users.by_email("other@example.org"));
  users.remove(id);
  EXPECT_FALSE(users.by_email("mario@example.org"));
}

TEST_F(UsersRepositoryTest, ListFiltersSortsAndPages) {
  const Id staff = add_role("Staff", true);
  const Id a = users.create(User{.name = "Anna",
                                 .surname = "Zeta",
                                 .role_id = role,
                                 .card = "000000a1",
                                 .email = "anna@x.org"});
  const Id b = users.create(User{
      .name = "Bruno", .surname = "Alfa", .role_id = staff, .card = "000000b2", .disabled = true});
  const Id c =
      users.create(User{.name = "Carla", .surname = "Beta", .role_id = role, .card = "000000c3"});
  const Id d = add_user("Dario", role, "000000d4");
  users.remove(d);

  auto ids = [](const std::vector<User>& list) {
    std::vector<Id> out;
    for (const auto& u : list)
      out.push_back(u.id);
    return out;
  };
  EXPECT_EQ(ids(users.list()), (std::vector<Id>{a, b, c}));
  EXPECT_EQ(users.count(), 3);
  EXPECT_EQ(ids(users.list({.include_deleted = true})), (std::vector<Id>{a, b, c, d}));
  EXPECT_EQ(users.count({.include_deleted = true}), 4);
  EXPECT_EQ(ids(users.list({.role_id = staff})), (std::vector<Id>{b}));
  EXPECT_EQ(ids(users.list({.disabled = false})), (std::vector<Id>{a, c}));
  EXPECT_EQ(ids(users.list({.search = "ANNA@"})), (std::vector<Id>{a}));
  EXPECT_EQ(ids(users.list({.search = "0000C"})), (std::vector<Id>{c}));
  EXPECT_EQ(ids(users.list({.search = "%"})), (std::vector<Id>{}));  // taken literally
  EXPECT_EQ(users.count({.search = "beta"}), 1);
  EXPECT_EQ(ids(users.list({.sort = UserSort::Name})), (std::vector<Id>{b, c, a}));
  EXPECT_EQ(ids(users.list({.sort = UserSort::Name, .descending = true})),
            (std::vector<Id>{a, c, b}));
  EXPECT_EQ(ids(users.list({.sort = UserSort::Card, .descending = true})),
            (std::vector<Id>{c, b, a}));
  EXPECT_EQ(ids(users.list({.sort = UserSort::Role})), (std::vector<Id>{a, c, b}));
  EXPECT_EQ(ids(users.list({.sort = UserSort::Email}, {.limit = 1})), (std::vector<Id>{b}));
  EXPECT_EQ(ids(users.list({}, {.limit = 2, .offset = 1})), (std::vector<Id>{b, c}));
  EXPECT_EQ(ids(users.list({}, {.limit = 0, .offset = 2})), (std::vector<Id>{c}));
  EXPECT_EQ(ids(users.list({}, {.limit = 0})), (std::vector<Id>{a, b, c}));
}

}  // namespace
}  // namespace fabomatic::db::test
