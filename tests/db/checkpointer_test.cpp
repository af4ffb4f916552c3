// The background checkpointer: WAL pages reach the database file from its own thread while the
// writer keeps committing, and the writer's own auto-checkpoint is only a distant backstop.
#include "db/checkpointer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

using test::TempDir;

TEST(Checkpointer, CopiesCommittedPagesWhileTheWriterGoesOn) {
  TempDir dir;
  const auto path = dir.file("wal.db");
  Connection writer(path);
  writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  std::uint64_t completed = 0;
  {
    Checkpointer checkpointer(writer, std::chrono::milliseconds(5));
    for (int i = 0; i < 2000; ++i) {
      Transaction tx(writer);
      writer.execute("INSERT INTO t (v) VALUES (?)", std::string(200, 'x'));
      tx.commit();
      if (i % 200 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    completed = checkpointer.completed();
    EXPECT_EQ(checkpointer.failed(), 0u);
  }
  // 2000 commits exceed SQLite's default 1000-page auto-checkpoint: with the backstop at 4000
  // only the background thread can have copied pages.
  EXPECT_GT(completed, 0u);
  // Everything committed is there for a new reader, and the file passes its integrity check.
  Connection reader(path);
  EXPECT_EQ(reader.query_one<int>("SELECT count(*) FROM t"), 2000);
  EXPECT_EQ(reader.query_one<std::string>("PRAGMA integrity_check"), "ok");
}

TEST(Checkpointer, AGrowingWalWakesItBeforeItsPeriod) {
  TempDir dir;
  const auto path = dir.file("grow.db");
  Connection writer(path);
  writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  Checkpointer checkpointer(writer, std::chrono::hours(1));
  // One page per commit, a little past the wake-up threshold and far below the backstop.
  for (int i = 0; i < Checkpointer::kWakePages + 100; ++i)
    writer.execute("INSERT INTO t (v) VALUES (?)", std::string(3000, 'x'));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checkpointer.completed() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(checkpointer.completed(), 0u);
}

TEST(Checkpointer, FewCommitsWaitForThePeriod) {
  TempDir dir;
  Connection writer(dir.file("few.db"));
  writer.exec("CREATE TABLE t (v INTEGER)");
  Checkpointer checkpointer(writer, std::chrono::hours(1));
  for (int i = 0; i < 20; ++i)
    writer.execute("INSERT INTO t VALUES (?)", i);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Nothing copied yet: the writer's next commits append instead of restarting the WAL (and
  // syncing its header) each time.
  EXPECT_EQ(checkpointer.completed(), 0u);
}

TEST(Checkpointer, StopsPromptlyAndLeavesTheWriterUsable) {
  TempDir dir;
  Connection writer(dir.file("stop.db"));
  writer.exec("CREATE TABLE t (v INTEGER)");
  const auto started = std::chrono::steady_clock::now();
  { Checkpointer checkpointer(writer, std::chrono::hours(1)); }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  writer.execute("INSERT INTO t VALUES (?)", 1);
  EXPECT_EQ(writer.query_one<int>("SELECT count(*) FROM t"), 1);
}

}  // namespace
}  // namespace fabomatic::db
