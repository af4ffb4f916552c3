// The last lines of the log, kept in memory for the portal's log page (the journal or the
// terminal has them all). Every line log::write() prints is also kept here, numbered, up to a
// limit; the oldest go first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/log.hpp"

namespace fabomatic::log {

struct Entry {
  std::uint64_t seq = 0;  // 1, 2, ... in the order written
  double time = 0;        // unix seconds
  Level level = Level::info;
  std::string component;
  std::string message;
};

/// Lines with seq > `after`, oldest first; with `max` > 0 only the newest `max` of them.
std::vector<Entry> recent(std::uint64_t after = 0, std::size_t max = 0);

/// How many lines are kept (2000 unless changed); fewer drops the oldest at once.
void keep_recent(std::size_t lines);

/// The line as it was printed ("2026-11-26 10:00:00.123 INFO  broker: ...", no newline).
std::string format(const Entry& entry);

}  // namespace fabomatic::log
