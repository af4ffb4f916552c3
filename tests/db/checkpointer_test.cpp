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
    EXPECT_EQ(writer.query_one<int>("PRAGMA wal_autocheckpoint"), Checkpointer::kBackstopPages);
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
