// Moves WAL checkpoints off the thread that answers the boards.
//
// In WAL mode every commit only appends to the -wal file; a checkpoint copies those pages back
// into the database and syncs both files, which takes milliseconds on an SD card. Left to
// SQLite, the checkpoint runs inside whichever commit crosses 1000 pages: a board's reply waits
// for it (the p99 of the board benchmark was 10 ms because of it). A Checkpointer runs passive
// checkpoints on its own thread and connection instead, concurrently with the writer (WAL
// allows that).
//
// When: every `period`, and as soon as the writer's WAL holds kWakePages. Not more often: once a
// checkpoint has copied the whole WAL, the writer's next commit starts the file again and syncs
// its header — on the writer's thread, the one answering the boards (0.5 ms here, far more on an
// SD card). Checkpointing every 200 ms made nearly every write pay that sync. The writer keeps
// its own checkpoint at kBackstopPages only as a backstop for a load so continuous that the
// background thread never catches up (a WAL hook on the writer does both, in place of SQLite's
// auto-checkpoint).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "db/sqlite.hpp"

struct sqlite3;

namespace fabomatic::db {

class Checkpointer {
 public:
  // WAL pages after a commit that wake the thread early (SQLite's own default threshold).
  static constexpr int kWakePages = 1000;
  // Pages the writer may accumulate before it checkpoints itself (4 KiB pages: 16 MiB).
  static constexpr int kBackstopPages = 4000;

  // Opens a second connection to `writer`'s file and starts checkpointing every `period` and
  // whenever the WAL reaches kWakePages; bounds the -wal file kept on disk.
  explicit Checkpointer(Connection& writer,
                        std::chrono::milliseconds period = std::chrono::seconds(30));
  // Stops the thread after one last checkpoint; the writer gets SQLite's auto-checkpoint back
  // (at the backstop).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints that copied at least one page, and attempts that failed with an error other
  // than "busy" (another checkpoint was running): for tests and metrics.
  std::uint64_t completed() const { return completed_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  void run();
  void checkpoint_once();
  // The writer's WAL hook: runs on the writer's thread after each commit.
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages);

  sqlite3* writer_;
  Connection conn_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> wanted_{false};  // the WAL is large: checkpoint now, not at the period
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
  int last_copied_ = 0;  // frames copied by the previous attempt (SQLite reports a running total)
  std::thread thread_;   // last: starts once everything above exists
};

}  // namespace fabomatic::db
