#include "db/access.hpp"
#include "db/lookup_cache.hpp"

#include "db/authorizations_repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class AccessTest : public RepoTest {
 protected:
  Id users_role = add_role("Fab Users");
  Id super_role = add_role("Super", /*authorize_all=*/true);
  Id maint_role = add_role("Maintainers", false, /*maintenance=*/true);
  Id staff_role = add_role("Staff", true, true);
  Id restricted = add_type("LASER", 0);
  Id open_type = add_type("DRILL", 1);
  Id laser = add_machine("LASER 1", restricted);
  Id drill = add_machine("DRILL 1", open_type);
  Id untyped = add_machine("UNTYPED");
  Id member = add_user("Member", users_role, "000000a1");
  Id super = add_user("Super", super_role, "000000b2");
  Id maintainer = add_user("Maint", maint_role, "000000c3");
  Id staff = add_user("Staff", staff_role, "000000d4");

  void block(Id machine) {
    conn.execute("UPDATE machines SET blocked = 1 WHERE machine_id = ?", machine);
  }
  void disable(Id user) { conn.execute("UPDATE users SET disabled = 1 WHERE user_id = ?", user); }
  void authorize(Id user, Id machine) { AuthorizationsRepository(conn).create(user, machine); }
};

TEST_F(AccessTest, Step1UnknownCard) {
  const auto decision = decide_access(conn, laser, "ffffffff");
  EXPECT_FALSE(decision.authorized);
  EXPECT_TRUE(decision.unknown_card());
  EXPECT_FALSE(decision.user);
  EXPECT_EQ(decision.level, 0);
}

TEST_F(AccessTest, Step1ADeletedUserIsAnUnknownCardEvenIfALegacyRowKeptTheCard) {
  conn.execute("UPDATE users SET deleted = 1 WHERE user_id = ?", super);
  EXPECT_EQ(decide_access(conn, laser, "000000b2").reason, AccessReason::UnknownCard);
}

TEST_F(AccessTest, Step2DisabledUserIsRefusedWhateverTheRole) {
  disable(super);
  const auto decision = decide_access(conn, laser, "000000b2");
  EXPECT_FALSE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::Disabled);
  ASSERT_TRUE(decision.user);
  EXPECT_EQ(decision.user->id, super);
  EXPECT_EQ(decision.level, 0);
}

TEST_F(AccessTest, Step3AuthorizeAllPassesEvenOnABlockedMachine) {
  block(laser);
  const auto decision = decide_access(conn, laser, "000000B2");  // any case
  EXPECT_TRUE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::AuthorizeAll);
  EXPECT_EQ(decision.user->name, "Super");
  EXPECT_EQ(decision.level, 2);
}

TEST_F(AccessTest, Step4BlockedMachineRefusesEvenAnAuthorizedMember) {
  authorize(member, laser);
  block(laser);
  const auto decision = decide_access(conn, laser, "000000a1");
  EXPECT_FALSE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::Blocked);
  EXPECT_EQ(decision.level, 0);
  block(drill);
  EXPECT_EQ(decide_access(conn, drill, "000000a1").reason, AccessReason::Blocked);
}

TEST_F(AccessTest, Step5AccessManagementOneNeedsNoAuthorization) {
  const auto decision = decide_access(conn, drill, "000000a1");
  EXPECT_TRUE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::NoAuthorizationNeeded);
  EXPECT_EQ(decision.level, 1);
}

TEST_F(AccessTest, Step6AuthorizationPresentOrAbsent) {
  auto decision = decide_access(conn, laser, "000000a1");
  EXPECT_FALSE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::NotAuthorized);
  EXPECT_EQ(decision.level, 0);
  EXPECT_TRUE(decision.user);
  authorize(member, laser);
  decision = decide_access(conn, laser, "000000a1");
  EXPECT_TRUE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::Authorized);
  EXPECT_EQ(decision.level, 1);
  // An authorization on another machine does not count; a machine without type needs one.
  EXPECT_EQ(decide_access(conn, untyped, "000000a1").reason, AccessReason::NotAuthorized);
}

TEST_F(AccessTest, LevelIsTwoForAuthorizeAllOrMaintenance) {
  EXPECT_EQ(staff_level(false, false), 1);
  EXPECT_EQ(staff_level(true, false), 2);
  EXPECT_EQ(staff_level(false, true), 2);
  EXPECT_EQ(staff_level(true, true), 2);
  authorize(maintainer, laser);
  EXPECT_EQ(decide_access(conn, laser, "000000c3").level,
            2);  // the (unlike the Python backend): maintenance only
  EXPECT_EQ(decide_access(conn, drill, "000000c3").level, 2);
  EXPECT_EQ(decide_access(conn, laser, "000000d4").level, 2);
  EXPECT_EQ(decide_access(conn, drill, "000000a1").level, 1);
}

TEST_F(AccessTest, UnknownMachine) {
  const auto decision = decide_access(conn, 999, "000000a1");
  EXPECT_FALSE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::UnknownMachine);
}

TEST_F(AccessTest, CheckUserRecordsTheTapOfAnUnknownCardOnly) {
  LookupCache lookups(conn);
  EXPECT_TRUE(check_user(lookups, laser, "FFFFFFFF", 1234).unknown_card());
  const auto taps = UnknownCardsRepository(conn).list();
  ASSERT_EQ(taps.size(), 1u);
  EXPECT_EQ(taps[0].card, "ffffffff");
  EXPECT_EQ(taps[0].machine_id, laser);
  EXPECT_EQ(taps[0].timestamp, 1234.0);
  EXPECT_FALSE(check_user(lookups, laser, "000000a1", 1300).authorized);
  EXPECT_TRUE(check_user(lookups, laser, "000000b2", 1300).authorized);
  EXPECT_TRUE(check_user(lookups, 999, "eeeeeeee", 1300).unknown_card());  // no machine: no tap
  EXPECT_EQ(count_rows("unknown_cards"), 1);
}

TEST_F(AccessTest, AuthorizedCardsFollowTheRuleInUserOrderWithLevels) {
  authorize(member, laser);
  const Id no_card = add_user("NoCard", super_role, std::nullopt);
  const Id disabled = add_user("Disabled", super_role, "000000e5");
  disable(disabled);
  const Id deleted = add_user("Deleted", super_role, "000000f6");
  UsersRepository(conn).remove(deleted);
  const Id other = add_user("Other", users_role, "00000007");  // not authorized on the laser
  (void)no_card;
  (void)other;

  auto cards = authorized_cards(conn, laser);
  ASSERT_EQ(cards.size(), 3u);
  EXPECT_EQ(cards[0].user_id, member);
  EXPECT_EQ(cards[0].card, "000000a1");
  EXPECT_EQ(cards[0].level, 1);
  EXPECT_EQ(cards[1].user_id, super);
  EXPECT_EQ(cards[1].level, 2);
  EXPECT_EQ(cards[2].user_id, staff);
  EXPECT_EQ(cards[2].level, 2);

  // The maintainer (no authorize all) is in only where authorized or where none is needed.
  cards = authorized_cards(conn, drill);
  std::vector<Id> ids;
  for (const auto& card : cards)
    ids.push_back(card.user_id);
  EXPECT_EQ(ids, (std::vector<Id>{member, super, maintainer, staff, other}));

  block(laser);
  cards = authorized_cards(conn, laser);
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(cards[0].user_id, super);
  EXPECT_EQ(cards[1].user_id, staff);
  EXPECT_TRUE(authorized_cards(conn, 999).empty());
}

// The board's offline cache (synccache) and its live answer (checkuser) must name the same
// holder of a card that legacy rows show twice: a card left on a deleted or disabled member in
// another case, or two live members whose cards differ only by case.
TEST_F(AccessTest, AuthorizedCardsListACardSeveralRowsShowForTheHolderCheckuserFinds) {
  conn.execute(
      "INSERT INTO users (user_id, name, surname, role_id, \"card_UUID\", disabled, deleted) "
      "VALUES (40, 'Gone', 'G', ?1, 'aabbccd1', 0, 1), (41, 'New', 'N', ?1, 'AABBCCD1', 0, 0), "
      "(42, 'Off', 'O', ?1, 'aabbccd3', 1, 0), (43, 'On', 'O', ?1, 'AABBCCD3', 0, 0), "
      "(44, 'Upper', 'U', ?1, 'AABBCCD4', 0, 0), (45, 'Lower', 'L', ?2, 'aabbccd4', 0, 0)",
      super_role, users_role);
  const auto cards = authorized_cards(conn, laser);
  const auto listed = [&](Id user) {
    return std::any_of(cards.begin(), cards.end(),
                       [&](const CachedCard& c) { return c.user_id == user; });
  };
  EXPECT_TRUE(listed(41));
  EXPECT_TRUE(listed(43));
  EXPECT_FALSE(listed(44));  // aabbccd4 is user 45's (stored lowercase), who is not authorized
  EXPECT_FALSE(listed(45));
  EXPECT_EQ(std::count_if(cards.begin(), cards.end(),
                          [](const CachedCard& c) { return c.card == "aabbccd4"; }),
            0);
  for (const auto* card : {"aabbccd1", "aabbccd3"}) {
    const auto decision = decide_access(conn, laser, card);
    EXPECT_TRUE(decision.authorized) << card;
  }
  EXPECT_EQ(decide_access(conn, laser, "aabbccd4").reason, AccessReason::NotAuthorized);
}

// checkuser treats a member whose role row is missing as level 1 without authorize all; the
// board's cache must list them where checkuser lets them in.
TEST_F(AccessTest, AuthorizedCardsListAMemberWhoseRoleRowIsMissingAtLevel1) {
  const Id orphan = add_user("NoRole", users_role, "aabbcc10");
  conn.exec("PRAGMA foreign_keys = OFF");
  conn.execute("UPDATE users SET role_id = 9999 WHERE user_id = ?", orphan);
  conn.exec("PRAGMA foreign_keys = ON");
  authorize(orphan, laser);
  ASSERT_TRUE(decide_access(conn, laser, "aabbcc10").authorized);
  const auto cards = authorized_cards(conn, laser);
  const auto it = std::find_if(cards.begin(), cards.end(),
                               [&](const CachedCard& c) { return c.user_id == orphan; });
  ASSERT_NE(it, cards.end());
  EXPECT_EQ(it->level, 1);
  const auto drill_cards = authorized_cards(conn, drill);  // no authorization needed there
  EXPECT_TRUE(std::any_of(drill_cards.begin(), drill_cards.end(),
                          [&](const CachedCard& c) { return c.user_id == orphan; }));
}

TEST_F(AccessTest, AuthorizedCardsAgreeWithTheDecisionForEveryUser) {
  authorize(member, laser);
  authorize(maintainer, untyped);
  block(untyped);
  for (Id machine : {laser, drill, untyped}) {
    const auto cards = authorized_cards(conn, machine);
    for (const auto& user : UsersRepository(conn).list()) {
      if (!user.card) continue;
      const auto decision = decide_access(conn, machine, *user.card);
      const bool listed = std::any_of(cards.begin(), cards.end(),
                                      [&](const CachedCard& c) { return c.user_id == user.id; });
      EXPECT_EQ(listed, decision.authorized) << "user " << user.id << " machine " << machine;
    }
  }
}

}  // namespace
}  // namespace fabomatic::db::test
