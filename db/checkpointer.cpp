#include "db/checkpointer.hpp"

#include <sqlite3.h>

#include <string>

namespace fabomatic::db {

namespace {
ConnectionOptions checkpointer_options() {
  ConnectionOptions options;
  options.mode = OpenMode::ReadWrite;  // the writer created the file
  options.wal = false;                 // already WAL; switching again would need a lock
  options.foreign_keys = false;        // it never changes a row
  options.busy_timeout = std::chrono::milliseconds(0);
  return options;
}
}  // namespace

Checkpointer::Checkpointer(Connection& writer, std::chrono::milliseconds period)
    : writer_(writer.handle()), conn_(writer.path(), checkpointer_options()), period_(period) {
  // After a burst the -wal file is cut back to this size when it restarts, not kept at its peak.
  writer.exec("PRAGMA journal_size_limit=" + std::to_string(4 << 20));
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);  // replaces the auto-checkpoint
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_, kBackstopPages);  // removes the hook
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* name, int wal_pages) {
  auto& checkpointer = *static_cast<Checkpointer*>(self);
  if (wal_pages >= kBackstopPages) {
    // What SQLite's auto-checkpoint would do; a busy result only means "not now".
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= kWakePages && !checkpointer.wanted_.exchange(true)) {
    // Only the first commit past the threshold pays for the wake-up. Taking the mutex once
    // orders the flag before the waiter's check: the wake-up cannot fall between the two.
    { std::lock_guard lock(checkpointer.mutex_); }
    checkpointer.wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, period_, [this] { return stopping_ || wanted_.load(); });
    wanted_ = false;
    lock.unlock();
    checkpoint_once();
    lock.lock();
  }
}

void Checkpointer::checkpoint_once() {
  int wal_frames = 0;
  int copied_frames = 0;
  // PASSIVE: copies what no reader still needs and never waits for, nor blocks, the writer.
  const int rc = sqlite3_wal_checkpoint_v2(conn_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &wal_frames, &copied_frames);
  if (rc == SQLITE_OK) {
    if (copied_frames > 0 && copied_frames != last_copied_) ++completed_;
    last_copied_ = copied_frames;
  } else if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
    ++failed_;
  }
}

}  // namespace fabomatic::db
