#include "db/uses_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class UsesRepositoryTest : public RepoTest {
 protected:
  UsesRepository uses{conn};
  Id role = add_role("Fab Users");
  Id u1 = add_user("A", role, "000000a1");
  Id u2 = add_user("B", role, "000000b2");
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
};

std::vector<Id> ids(const std::vector<Use>& list) {
  std::vector<Id> out;
  for (const auto& u : list)
    out.push_back(u.id);
  return out;
}

TEST_F(UsesRepositoryTest, StartOpensAUseThatOpenUseFinds) {
  EXPECT_FALSE(uses.open_use(m1));
  const Id id = uses.start(u1, m1, 100, 101, true);
  const auto use = uses.open_use(m1);
  ASSERT_TRUE(use);
  EXPECT_EQ(use->id, id);
  EXPECT_EQ(use->user_id, u1);
  EXPECT_EQ(use->machine_id, m1);
  EXPECT_EQ(use->start, 100.0);
  EXPECT_EQ(use->last_seen, 101.0);
  EXPECT_FALSE(use->end);
  EXPECT_TRUE(use->open());
  EXPECT_TRUE(use->replay);
  EXPECT_FALSE(uses.open_use(m2));
  EXPECT_DOUBLE_EQ(machine_hours(m1), 0);  // nothing closed yet
}

TEST_F(UsesRepositoryTest, OpenUseIsTheLatestStartedOfSeveral) {
  const Id older = uses.start(u1, m1, 100, 100, false);
  const Id newer = uses.start(u2, m1, 200, 200, false);
  uses.record_closed(u1, m1, 300, 400, false);
  EXPECT_EQ(uses.open_use(m1)->id, newer);
  EXPECT_EQ(ids(uses.open_uses(m1)), (std::vector<Id>{older, newer}));
}

TEST_F(UsesRepositoryTest, RefreshMovesLastSeenOfOpenUsesOnly) {
  const Id id = uses.start(u1, m1, 100, 100, false);
  EXPECT_TRUE(uses.refresh(id, 150));
  EXPECT_EQ(uses.get(id)->last_seen, 150.0);
  ASSERT_TRUE(uses.close(id, 160, 170));
  EXPECT_FALSE(uses.refresh(id, 200));
  EXPECT_EQ(uses.get(id)->last_seen, 170.0);
}

TEST_F(UsesRepositoryTest, CloseSetsEndAndAddsTheDurationOnce) {
  const Id id = uses.start(u1, m1, 1000, 1000, false);
  EXPECT_TRUE(uses.close(id, 1000 + 5400, 1000 + 5500));
  const auto use = uses.get(id);
  EXPECT_EQ(use->end, 6400.0);
  EXPECT_EQ(use->last_seen, 6500.0);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 1.5);
  EXPECT_FALSE(uses.close(id, 9000, 9000));  // already closed: nothing changes
  EXPECT_DOUBLE_EQ(machine_hours(m1), 1.5);
  EXPECT_EQ(uses.get(id)->end, 6400.0);
  EXPECT_FALSE(uses.close(999, 1, 1));
  EXPECT_FALSE(uses.open_use(m1));
}

// A clock set back (a Pi without a real-time clock, corrected) can leave a use whose last-seen
// time is before its start: closed there, it would take hours off the machine.
TEST_F(UsesRepositoryTest, AnEndBeforeTheStartCountsAsTheStart) {
  const Id id = uses.start(u1, m1, 5000, 4000, false);
  ASSERT_EQ(uses.close_stale(4500), 1);
  EXPECT_EQ(uses.get(id)->end, 5000.0);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 0);
  const Id other = uses.start(u1, m1, 8000, 8000, false);
  ASSERT_TRUE(uses.close(other, 7000, 9000));
  EXPECT_EQ(uses.get(other)->end, 8000.0);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 0);
}

TEST_F(UsesRepositoryTest, CloseOpenClosesEveryOpenUseAtItsLastSeen) {
  const Id a = uses.start(u1, m1, 0, 3600, false);
  const Id b = uses.start(u2, m1, 3600, 7200, false);
  const Id other = uses.start(u1, m2, 0, 10, false);
  EXPECT_EQ(uses.close_open(m1), 2);
  EXPECT_EQ(uses.get(a)->end, 3600.0);
  EXPECT_EQ(uses.get(b)->end, 7200.0);
  EXPECT_TRUE(uses.get(other)->open());
  EXPECT_DOUBLE_EQ(machine_hours(m1), 2);
  EXPECT_EQ(uses.close_open(m1), 0);
}

TEST_F(UsesRepositoryTest, CloseStaleClosesOnlyUsesNotRefreshedSince) {
  const Id stale = uses.start(u1, m1, 0, 1800, false);
  const Id fresh = uses.start(u2, m2, 0, 5000, false);
  EXPECT_EQ(uses.close_stale(4000), 1);
  EXPECT_EQ(uses.get(stale)->end, 1800.0);
  EXPECT_TRUE(uses.get(fresh)->open());
  EXPECT_DOUBLE_EQ(machine_hours(m1), 0.5);
  EXPECT_DOUBLE_EQ(machine_hours(m2), 0);
}

TEST_F(UsesRepositoryTest, AllOpenUsesInMachineOrder) {
  const Id b = uses.start(u1, m2, 0, 0, false);
  const Id a = uses.start(u2, m1, 5, 5, false);
  uses.record_closed(u1, m1, 1, 2, false);
  EXPECT_EQ(ids(uses.all_open_uses()), (std::vector<Id>{a, b}));
}

TEST_F(UsesRepositoryTest, RecordClosedAddsTheDurationOnce) {
  const Id id = uses.record_closed(u1, m1, 100, 100 + 1800, true);
  const auto use = uses.get(id);
  EXPECT_EQ(use->start, 100.0);
  EXPECT_EQ(use->end, 1900.0);
  EXPECT_EQ(use->last_seen, 1900.0);
  EXPECT_TRUE(use->replay);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 0.5);
}

TEST_F(UsesRepositoryTest, LatestClosedIgnoresOpenUsesAndOtherMachines) {
  EXPECT_FALSE(uses.latest_closed(m1));
  uses.record_closed(u1, m1, 100, 200, false);
  const Id latest = uses.record_closed(u2, m1, 300, 400, false);
  uses.start(u1, m1, 500, 500, false);
  uses.record_closed(u1, m2, 600, 700, false);
  EXPECT_EQ(uses.latest_closed(m1)->id, latest);
}

TEST_F(UsesRepositoryTest, LatestClosedIsTheOneWhoseStopCameLast) {
  // A stop at 1001 reporting 500 s: its end (start + the board's duration) is ahead of the clock.
  const Id early = uses.start(u1, m1, 1000, 1000, false);
  uses.close(early, 1500, 1001);
  // A stop at 1010 whose start was lost: recorded as starting 600 s before it.
  const Id lost_start = uses.record_closed(u2, m1, 1010 - 600, 1010, false);
  EXPECT_EQ(uses.latest_closed(m1)->id, lost_start);
  // Two stops in the same second: the later use id.
  const Id same_second = uses.record_closed(u1, m1, 1010 - 5, 1010, false);
  EXPECT_EQ(uses.latest_closed(m1)->id, same_second);
  // A use that closes later by hand (last-seen time now) is the latest, whatever its start.
  const Id old_open = uses.start(u2, m1, 10, 10, false);
  uses.close(old_open, 20, 1020);
  EXPECT_EQ(uses.latest_closed(m1)->id, old_open);
}

TEST_F(UsesRepositoryTest, CreateOfAClosedUseCountsItsHoursAndAnOpenOneDoesNot) {
  const Id closed =
      uses.create(Use{.user_id = u1, .machine_id = m1, .start = 0, .last_seen = 7200, .end = 7200});
  const Id open =
      uses.create(Use{.user_id = u2, .machine_id = m1, .start = 8000, .last_seen = 8000});
  EXPECT_DOUBLE_EQ(machine_hours(m1), 2);
  EXPECT_FALSE(uses.get(closed)->open());
  EXPECT_TRUE(uses.get(open)->open());
  try {
    uses.create(Use{.user_id = 999, .machine_id = m1});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "references");
  }
}

TEST_F(UsesRepositoryTest, UpdateWritesEveryColumnAndAdjustsHoursOnlyWhenAsked) {
  const Id id = uses.record_closed(u1, m1, 0, 3600, false);
  Use changed{.id = id,
              .user_id = u2,
              .machine_id = m1,
              .start = 0,
              .last_seen = 9,
              .end = 7200,
              .replay = true};
  EXPECT_TRUE(uses.update(changed));
  auto use = uses.get(id);
  EXPECT_EQ(use->user_id, u2);
  EXPECT_EQ(use->end, 7200.0);
  EXPECT_EQ(use->last_seen, 9.0);
  EXPECT_TRUE(use->replay);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 1);  // not adjusted

  changed.end = 3 * 3600;
  EXPECT_TRUE(uses.update(changed, true));
  EXPECT_DOUBLE_EQ(machine_hours(m1), 2);  // + (3 h - 2 h)

  changed.machine_id = m2;
  EXPECT_TRUE(uses.update(changed, true));  // hours move with the use
  EXPECT_DOUBLE_EQ(machine_hours(m1), -1);
  EXPECT_DOUBLE_EQ(machine_hours(m2), 3);

  changed.id = 999;
  EXPECT_FALSE(uses.update(changed));
}

TEST_F(UsesRepositoryTest, RemoveAdjustsHoursOnlyWhenAsked) {
  const Id a = uses.record_closed(u1, m1, 0, 3600, false);
  const Id b = uses.record_closed(u1, m1, 3600, 3 * 3600, false);
  EXPECT_DOUBLE_EQ(machine_hours(m1), 3);
  EXPECT_TRUE(uses.remove(a));
  EXPECT_DOUBLE_EQ(machine_hours(m1), 3);
  EXPECT_TRUE(uses.remove(b, true));
  EXPECT_DOUBLE_EQ(machine_hours(m1), 1);
  EXPECT_FALSE(uses.get(a));
  EXPECT_FALSE(uses.remove(a));
  const Id open = uses.start(u1, m1, 0, 0, false);
  EXPECT_TRUE(uses.remove(open, true));  // an open use never counted
  EXPECT_DOUBLE_EQ(machine_hours(m1), 1);
}

TEST_F(UsesRepositoryTest, ListFiltersSortsAndPagesTheHistory) {
  const Id a = uses.record_closed(u1, m1, 100, 150, false);
  const Id b = uses.record_closed(u2, m1, 200, 250, false);
  const Id c = uses.record_closed(u1, m2, 300, 350, false);
  const Id d = uses.start(u2, m2, 400, 400, false);
  EXPECT_EQ(ids(uses.list()), (std::vector<Id>{d, c, b, a}));  // newest first
  EXPECT_EQ(uses.count(), 4);
  EXPECT_EQ(ids(uses.list({.user_id = u1})), (std::vector<Id>{c, a}));
  EXPECT_EQ(ids(uses.list({.machine_id = m1})), (std::vector<Id>{b, a}));
  EXPECT_EQ(ids(uses.list({.user_id = u2, .machine_id = m2})), (std::vector<Id>{d}));
  EXPECT_EQ(ids(uses.list({.from = 200, .before = 400})), (std::vector<Id>{c, b}));
  EXPECT_EQ(uses.count({.from = 200}), 3);
  EXPECT_EQ(ids(uses.list({.open_only = true})), (std::vector<Id>{d}));
  EXPECT_EQ(uses.count({.machine_id = m1, .open_only = true}), 0);
  EXPECT_EQ(ids(uses.list({.descending = false})), (std::vector<Id>{a, b, c, d}));
  EXPECT_EQ(ids(uses.list({.sort = UseSort::User, .descending = false})),
            (std::vector<Id>{a, c, b, d}));
  EXPECT_EQ(ids(uses.list({.sort = UseSort::Machine})), (std::vector<Id>{d, c, b, a}));
  EXPECT_EQ(ids(uses.list({.sort = UseSort::Id, .descending = false})),
            (std::vector<Id>{a, b, c, d}));
  EXPECT_EQ(ids(uses.list({.sort = UseSort::End, .descending = false})),
            (std::vector<Id>{d, a, b, c}));  // NULL (open) first
  EXPECT_EQ(ids(uses.list({.sort = UseSort::LastSeen})), (std::vector<Id>{d, c, b, a}));
  EXPECT_EQ(ids(uses.list({}, {.limit = 2, .offset = 1})), (std::vector<Id>{c, b}));
  EXPECT_EQ(ids(uses.list({}, {.limit = 2, .offset = 3})), (std::vector<Id>{a}));
}

TEST_F(UsesRepositoryTest, LegacyNullReplayReadsFalse) {
  conn.execute(
      "INSERT INTO uses (use_id, user_id, machine_id, start_timestamp, last_seen, end_timestamp, "
      "replay) VALUES (50, ?, ?, 1, 2, 3, NULL)",
      u1, m1);
  EXPECT_FALSE(uses.get(50)->replay);
}

// The board lookups must not scan the history: each goes through an index.
std::string plan_of(Connection& conn, const std::string& sql) {
  auto stmt = conn.prepare("EXPLAIN QUERY PLAN " + sql);
  std::string detail;
  while (stmt.step())
    detail += stmt.get<std::string>(3) + "\n";
  return detail;
}

TEST_F(UsesRepositoryTest, BoardLookupsUseIndexes) {
  const std::string columns = "SELECT use_id FROM uses ";
  const auto open_use =
      plan_of(conn, columns +
                        "INDEXED BY idx_uses_open_by_machine WHERE machine_id = 1 AND "
                        "end_timestamp IS NULL ORDER BY start_timestamp DESC, "
                        "use_id DESC LIMIT 1");
  EXPECT_NE(open_use.find("USING INDEX idx_uses_open_by_machine"), std::string::npos) << open_use;
  const auto latest = plan_of(
      conn, columns +
                "WHERE machine_id = 1 AND end_timestamp IS NOT NULL ORDER BY start_timestamp "
                "DESC, use_id DESC LIMIT 1");
  EXPECT_NE(latest.find("USING INDEX idx_uses_machine_start"), std::string::npos) << latest;
  EXPECT_EQ(latest.find("TEMP B-TREE"), std::string::npos) << latest;
  const auto all_open =
      plan_of(conn,
              "SELECT u.use_id FROM machines m CROSS JOIN uses u INDEXED BY "
              "idx_uses_open_by_machine ON u.machine_id = m.machine_id AND "
              "u.end_timestamp IS NULL ORDER BY m.machine_id, u.start_timestamp, u.use_id");
  EXPECT_NE(all_open.find("USING INDEX idx_uses_open_by_machine"), std::string::npos) << all_open;
}

}  // namespace
}  // namespace fabomatic::db::test
