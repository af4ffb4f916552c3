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
    : conn_(writer.path(), checkpointer_options()), period_(period) {
  writer.exec("PRAGMA wal_autocheckpoint=" + std::to_string(kBackstopPages));
  // After a burst the -wal file is cut back to this size when it restarts, not kept at its peak.
  writer.exec("PRAGMA journal_size_limit=" + std::to_string(4 << 20));
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, period_, [this] { return stopping_; });
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
