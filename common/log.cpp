#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace fabomatic::log {

namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

const char* name(Level level) {
  switch (level) {
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO ";
    case Level::warning:
      return "WARN ";
    case Level::error:
      return "ERROR";
  }
  return "?    ";
}
}  // namespace

void set_level(Level level) {
  g_level = level;
}
Level level() {
  return g_level;
}
bool enabled(Level level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view component, std::string_view message) {
  if (!enabled(level)) return;
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  std::lock_guard lock(g_mutex);
  std::fprintf(stdout, "%s.%03d %s %.*s: %.*s\n", stamp, static_cast<int>(millis), name(level),
               static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stdout);
}

}  // namespace fabomatic::log
