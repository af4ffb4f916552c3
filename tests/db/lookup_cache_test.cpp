#include "db/lookup_cache.hpp"

#include <chrono>

#include "db/access.hpp"
#include "db/authorizations_repository.hpp"
#include "db/uses_repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class LookupCacheTest : public RepoTest {
 protected:
  Id users_role = add_role("Fab Users");
  Id laser_type = add_type("LASER", 0);
  Id laser = add_machine("LASER 1", laser_type);
  Id member = add_user("Member", users_role, "000000a1");

  void block(Id machine) {
    conn.execute("UPDATE machines SET blocked = 1 WHERE machine_id = ?", machine);
  }
};

TEST_F(LookupCacheTest, EachLookupAnswersAsTheDatabaseDoes) {
  AuthorizationsRepository(conn).create(member, laser);
  UsesRepository(conn).start(member, laser, 100, 100, false);
  LookupCache cache(conn);
  EXPECT_EQ(cache.machine(laser)->name, "LASER 1");
  EXPECT_FALSE(cache.machine(999));
  EXPECT_EQ(cache.machine_type(laser_type)->timeout_min, 60);
  EXPECT_FALSE(cache.due_plans(laser).any());
  const auto decision = cache.access(laser, "000000A1");
  EXPECT_TRUE(decision.authorized);
  EXPECT_EQ(decision.reason, AccessReason::Authorized);
  EXPECT_EQ(cache.card_user("000000a1")->id, member);
  EXPECT_FALSE(cache.card_user("ffffffff"));
  EXPECT_EQ(cache.open_use(laser)->user_id, member);
}

TEST_F(LookupCacheTest, AskingAgainReadsNothing) {
  LookupCache cache(conn);
  cache.machine(laser);
  cache.access(laser, "000000a1");
  cache.open_use(laser);
  const auto misses = cache.misses();
  EXPECT_EQ(misses, 3u);
  for (int i = 0; i < 10; ++i) {
    cache.machine(laser);
    cache.access(laser, "000000a1");
    cache.open_use(laser);
  }
  EXPECT_EQ(cache.misses(), misses);
}

TEST_F(LookupCacheTest, AWriteThroughTheConnectionIsSeenAtOnce) {
  LookupCache cache(conn);
  EXPECT_FALSE(cache.machine(laser)->blocked);
  EXPECT_EQ(cache.access(laser, "000000a1").reason, AccessReason::NotAuthorized);
  EXPECT_FALSE(cache.open_use(laser));

  block(laser);
  EXPECT_TRUE(cache.machine(laser)->blocked);
  EXPECT_EQ(cache.access(laser, "000000a1").reason, AccessReason::Blocked);
  UsesRepository(conn).start(member, laser, 100, 100, false);
  EXPECT_TRUE(cache.open_use(laser));
}

TEST_F(LookupCacheTest, LastSeenWritesKeepWhatItHoldsOtherWritesDoNot) {
  LookupCache cache(conn);
  cache.machine(laser);
  const auto misses = cache.misses();
  cache.write_last_seen([&] { MachinesRepository(conn).touch(laser, 500); });
  EXPECT_TRUE(cache.machine(laser));
  EXPECT_EQ(cache.misses(), misses);
  // Only if nothing else changed before it: a block before the touch is still seen.
  block(laser);
  cache.write_last_seen([&] { MachinesRepository(conn).touch(laser, 600); });
  EXPECT_TRUE(cache.machine(laser)->blocked);
  EXPECT_EQ(cache.misses(), misses + 1);
}

TEST_F(LookupCacheTest, WhatARolledBackTransactionShowedIsForgotten) {
  LookupCache cache(conn);
  {
    Transaction tx(conn);
    UsesRepository(conn).start(member, laser, 100, 100, false);
    EXPECT_TRUE(cache.open_use(laser));  // read inside the transaction, then undone
  }
  EXPECT_FALSE(cache.open_use(laser));
}

TEST_F(LookupCacheTest, AnotherConnectionsCommitIsSeenOnceTheCheckIsDue) {
  Connection other(conn.path());
  LookupCache every_time(conn, LookupCacheOptions{.external_check_interval = {}});
  LookupCache hourly(conn, LookupCacheOptions{.external_check_interval = std::chrono::hours(1)});
  EXPECT_FALSE(every_time.machine(laser)->blocked);
  EXPECT_FALSE(hourly.machine(laser)->blocked);

  other.execute("UPDATE machines SET blocked = 1 WHERE machine_id = ?", laser);
  EXPECT_TRUE(every_time.machine(laser)->blocked);
  // Not yet looked at: the hourly cache still answers from memory (what the interval means).
  EXPECT_FALSE(hourly.machine(laser)->blocked);
}

TEST_F(LookupCacheTest, InventedCardsDoNotGrowItBeyondItsBound) {
  LookupCache cache(conn, LookupCacheOptions{.max_entries = 4});
  cache.access(laser, "000000a1");
  for (int i = 0; i < 4; ++i)
    cache.access(laser, "0000ff0" + std::to_string(i));
  const auto misses = cache.misses();
  cache.access(laser, "000000a1");  // the fifth entry started it again: read anew
  EXPECT_EQ(cache.misses(), misses + 1);
  EXPECT_EQ(cache.access(laser, "000000a1").reason, AccessReason::NotAuthorized);
  EXPECT_EQ(cache.misses(), misses + 1);
}

TEST_F(LookupCacheTest, CheckUserRecordsATapAndTheNextAnswerIsReadAfterIt) {
  LookupCache cache(conn);
  EXPECT_TRUE(check_user(cache, laser, "0000beef", 10).unknown_card());
  EXPECT_TRUE(check_user(cache, laser, "0000beef", 11).unknown_card());
  EXPECT_EQ(count_rows("unknown_cards"), 2);  // every tap, none remembered away
}

TEST(ConnectionWriteGeneration, MovesWithChangedRowsAndRollbacksNotWithReads) {
  TempDir dir;
  Connection conn(dir.file("g.db"));
  conn.exec("CREATE TABLE t (x INTEGER)");
  const auto start = conn.write_generation();
  conn.query_one<std::int64_t>("SELECT COUNT(*) FROM t");
  EXPECT_EQ(conn.write_generation(), start);
  conn.execute("INSERT INTO t (x) VALUES (1)");
  const auto after_insert = conn.write_generation();
  EXPECT_NE(after_insert, start);
  {
    Transaction tx(conn);  // rolled back: counted even with nothing written, to be safe
  }
  EXPECT_NE(conn.write_generation(), after_insert);
}

}  // namespace
}  // namespace fabomatic::db::test
