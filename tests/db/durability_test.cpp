// Durable commits: a synced Transaction that changed rows is synced (one fdatasync of the WAL)
// before commit() returns, unless its syncs are deferred to an owner who syncs many commits at
// once; relaxed and read-only transactions cost no sync.
#include <gtest/gtest.h>

#include "db/sqlite.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

class DurabilityTest : public ::testing::Test {
 protected:
  DurabilityTest() : conn(dir.file("durable.sqldb")) {
    conn.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  }
  void insert(Durability durability = Durability::synced) {
    Transaction tx(conn, TransactionKind::Immediate, durability);
    conn.execute("INSERT INTO t (v) VALUES ('x')");
    tx.commit();
  }

  test::TempDir dir;
  Connection conn;
};

TEST_F(DurabilityTest, ASyncedWriteIsSyncedBeforeCommitReturns) {
  const auto before = conn.syncs();
  insert();
  EXPECT_EQ(conn.syncs(), before + 1);
  EXPECT_FALSE(conn.has_unsynced_commits());
}

TEST_F(DurabilityTest, ReadOnlyAndRelaxedTransactionsCostNoSync) {
  const auto before = conn.syncs();
  {
    Transaction tx(conn, TransactionKind::Deferred);
    EXPECT_EQ(conn.query_one<std::int64_t>("SELECT count(*) FROM t"), 0);
    tx.commit();
  }
  insert(Durability::relaxed);
  EXPECT_EQ(conn.syncs(), before);
  EXPECT_FALSE(conn.has_unsynced_commits());
}

TEST_F(DurabilityTest, DeferredSyncsLeaveOneSyncForManyCommits) {
  const auto before = conn.syncs();
  {
    const DeferredSyncs deferred(conn);
    for (int i = 0; i < 5; ++i)
      insert();
    EXPECT_EQ(conn.syncs(), before);
    EXPECT_TRUE(conn.has_unsynced_commits());
  }
  conn.sync_commits();
  EXPECT_EQ(conn.syncs(), before + 1);
  EXPECT_FALSE(conn.has_unsynced_commits());
  conn.sync_commits();  // nothing pending: no second sync
  EXPECT_EQ(conn.syncs(), before + 1);
}

TEST_F(DurabilityTest, ASavepointIsSyncedWithItsEnclosingTransaction) {
  const auto before = conn.syncs();
  Transaction outer(conn);
  insert();  // a savepoint inside `outer`
  EXPECT_EQ(conn.syncs(), before);
  outer.commit();
  EXPECT_EQ(conn.syncs(), before + 1);
}

TEST_F(DurabilityTest, AMovedConnectionKeepsSyncing) {
  Connection moved(std::move(conn));
  const auto before = moved.syncs();
  Transaction tx(moved);
  moved.execute("INSERT INTO t (v) VALUES ('y')");
  tx.commit();
  EXPECT_EQ(moved.syncs(), before + 1);
}

}  // namespace
}  // namespace fabomatic::db
