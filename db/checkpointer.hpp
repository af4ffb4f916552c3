// Moves WAL checkpoints off the thread that answers the boards.
//
// In WAL mode every commit only appends to the -wal file; a checkpoint copies those pages back
// into the database and syncs both files, which takes milliseconds on an SD card. Left to
// SQLite, the checkpoint runs inside whichever commit crosses 1000 pages: a board's reply waits
// for it (the p99 of the board benchmark was 10 ms because of it). A Checkpointer runs passive
// checkpoints on its own thread and connection instead, concurrently with the writer (WAL
// allows that), and the writer keeps a far larger auto-checkpoint only as a backstop for a load
// so continuous that no background checkpoint ever catches up.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "db/sqlite.hpp"

namespace fabomatic::db {

class Checkpointer {
 public:
  // Pages the writer may accumulate before it checkpoints itself (4 KiB pages: 16 MiB).
  static constexpr int kBackstopPages = 4000;

  // Opens a second connection to `writer`'s file and starts checkpointing every `period`;
  // sets the writer's auto-checkpoint to the backstop and bounds the -wal file kept on disk.
  explicit Checkpointer(Connection& writer,
                        std::chrono::milliseconds period = std::chrono::milliseconds(200));
  ~Checkpointer();  // stops the thread and runs one last checkpoint
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints that copied at least one page, and attempts that failed with an error other
  // than "busy" (another checkpoint was running): for tests and metrics.
  std::uint64_t completed() const { return completed_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  void run();
  void checkpoint_once();

  Connection conn_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
  int last_copied_ = 0;  // frames copied by the previous attempt (SQLite reports a running total)
  std::thread thread_;   // last: starts once everything above exists
};

}  // namespace fabomatic::db
