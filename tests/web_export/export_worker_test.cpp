// The worker that makes downloads: pieces in order, the job held back while the client does not
// read (memory stays flat), cancelled when the client leaves, a failure reported as such, jobs
// refused beyond the waiting limit, and one read snapshot for a whole job.
#include "web/export/export_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "db/database.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web::exports {
namespace {

namespace fs = std::filesystem;

class ExportWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "export-worker-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    path_ = (dir_ / "db.sqldb").string();
    db_.emplace(db::open_database(path_).conn);
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  ExportOptions options(std::size_t threads = 2, std::size_t waiting = 4) {
    ExportOptions o;
    o.database_path = path_;
    o.temp_dir = dir_;
    o.threads = threads;
    o.waiting_limit = waiting;
    o.piece_bytes = 1024;
    return o;
  }

  fs::path dir_;
  std::string path_;
  std::optional<db::Connection> db_;
};

/// The next piece, waiting at most 10 s ("<timeout>" then).
std::optional<std::string> next_of(BodyStream& stream) {
  std::promise<std::optional<std::string>> promise;
  auto future = promise.get_future();
  stream.next(
      [&promise](std::optional<std::string> piece) { promise.set_value(std::move(piece)); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return std::string("<timeout>");
  }
  return future.get();
}

/// Everything until the end; nullopt when the stream failed.
std::optional<std::string> drain(BodyStream& stream) {
  std::string all;
  for (;;) {
    auto piece = next_of(stream);
    if (!piece) return std::nullopt;
    if (*piece == "<timeout>") return std::string("<timeout>");
    if (piece->empty()) return all;
    all += *piece;
  }
}

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

TEST_F(ExportWorkerTest, ATableJobReadsTheDatabaseAndStreamsTheFile) {
  ExportWorker worker(options());
  auto stream = worker.tables(Format::csv, [](db::Connection& db, TableWriter& out) {
    const std::vector<Column> columns = {{"machine", CellKind::text}};
    out.begin_table("machines", columns);
    auto stmt = db.prepare("SELECT machine_name FROM machines ORDER BY machine_id");
    while (stmt.step()) {
      out.text(stmt.column_text(0));
      out.end_row();
    }
  });
  ASSERT_TRUE(stream);
  const auto all = drain(*stream);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all,
            "\xEF\xBB\xBF"
            "machine\r\nMACHINE1\r\n");  // the seeded machine
}

TEST_F(ExportWorkerTest, TheJobWaitsWhileTheClientDoesNotReadAndStopsWhenItLeaves) {
  ExportWorker worker(options());
  std::atomic<int> pushed{0};
  std::atomic<bool> cancelled{false};
  auto stream = worker.bytes([&](db::Connection&, const Sink& out) {
    try {
      for (int i = 0; i < 100000; ++i) {
        out(std::string(1024, 'x'));
        ++pushed;
      }
    } catch (const Cancelled&) {
      cancelled = true;
      throw;
    }
  });
  ASSERT_TRUE(stream);
  ASSERT_TRUE(eventually([&] { return pushed >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pushed, 2);  // the pipe holds two pieces; the third push waits
  ASSERT_EQ(next_of(*stream)->size(), 1024u);
  EXPECT_TRUE(eventually([&] { return pushed == 3; }));
  stream.reset();  // the client left
  EXPECT_TRUE(eventually([&] { return cancelled.load(); }));
  // The thread is free again.
  auto again = worker.bytes([](db::Connection&, const Sink& out) { out("done"); });
  ASSERT_TRUE(again);
  EXPECT_EQ(drain(*again), "done");
}

TEST_F(ExportWorkerTest, AFailingJobEndsTheStreamAsFailed) {
  ExportWorker worker(options());
  auto stream = worker.bytes([](db::Connection&, const Sink& out) {
    out("first");
    throw std::runtime_error("disk full");
  });
  ASSERT_TRUE(stream);
  EXPECT_EQ(next_of(*stream), "first");
  EXPECT_EQ(next_of(*stream), std::nullopt);
}

TEST_F(ExportWorkerTest, BeyondTheWaitingLimitJobsAreRefused) {
  ExportWorker worker(options(1, 1));
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> started{false};
  auto first = worker.bytes([&](db::Connection&, const Sink& out) {
    started = true;
    released.wait();
    out("1");
  });
  ASSERT_TRUE(first);
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  auto second = worker.bytes([](db::Connection&, const Sink& out) { out("2"); });
  ASSERT_TRUE(second);  // waits for the thread
  EXPECT_FALSE(worker.bytes([](db::Connection&, const Sink&) {}));
  release.set_value();
  EXPECT_EQ(drain(*first), "1");
  EXPECT_EQ(drain(*second), "2");
}

TEST_F(ExportWorkerTest, AJobSeesOneSnapshotWhileTheDatabaseChanges) {
  ExportWorker worker(options());
  std::promise<void> inserted;
  auto inserted_future = inserted.get_future().share();
  std::atomic<bool> counted{false};
  auto stream = worker.bytes([&](db::Connection& db, const Sink& out) {
    const auto before = db.query_one<std::int64_t>("SELECT COUNT(*) FROM machines");
    counted = true;
    inserted_future.wait();
    const auto after = db.query_one<std::int64_t>("SELECT COUNT(*) FROM machines");
    out(std::to_string(before) + "/" + std::to_string(after));
  });
  ASSERT_TRUE(eventually([&] { return counted.load(); }));
  db_->execute(
      "INSERT INTO machines (machine_name, machine_hours, blocked) VALUES ('new one', 0, 0)");
  inserted.set_value();
  EXPECT_EQ(drain(*stream), "1/1");
  EXPECT_EQ(db_->query_one<std::int64_t>("SELECT COUNT(*) FROM machines"), 2);
}

TEST_F(ExportWorkerTest, ShutdownCancelsJobsInProgress) {
  std::atomic<bool> cancelled{false};
  std::shared_ptr<BodyStream> stream;
  {
    ExportWorker worker(options());
    stream = worker.bytes([&](db::Connection&, const Sink& out) {
      try {
        for (;;)
          out(std::string(1024, 'x'));
      } catch (const Cancelled&) {
        cancelled = true;
        throw;
      }
    });
    ASSERT_TRUE(eventually([&] { return next_of(*stream).has_value(); }));
  }  // joins
  EXPECT_TRUE(cancelled);
}

TEST_F(ExportWorkerTest, ExclusiveWorkRunsOnlyWhileNoJobHasTheDatabaseOpen) {
  ExportWorker worker(options());
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> opened{false};
  auto holding = worker.bytes([&](db::Connection&, const Sink& out) {
    opened = true;
    released.wait();
    out("held");
  });
  ASSERT_TRUE(eventually([&] { return opened.load(); }));
  bool ran = false;
  EXPECT_FALSE(worker.exclusive([&] { ran = true; }));
  EXPECT_FALSE(ran);
  release.set_value();
  EXPECT_EQ(drain(*holding), "held");
  ASSERT_TRUE(eventually([&] { return worker.exclusive([&] { ran = true; }); }));
  EXPECT_TRUE(ran);
  // A job submitted during exclusive work opens the database only after it.
  std::atomic<bool> job_opened{false};
  std::shared_ptr<BodyStream> later;
  EXPECT_TRUE(worker.exclusive([&] {
    later = worker.bytes([&](db::Connection&, const Sink& out) {
      job_opened = true;
      out("after");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(job_opened.load());
  }));
  ASSERT_TRUE(later);
  EXPECT_EQ(drain(*later), "after");
}

TEST(ExportFormat, ParsesCsvAndXlsxOnly) {
  EXPECT_EQ(parse_format("csv"), Format::csv);
  EXPECT_EQ(parse_format("xlsx"), Format::xlsx);
  EXPECT_EQ(parse_format("xls"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

}  // namespace
}  // namespace fabomatic::web::exports
