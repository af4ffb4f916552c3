#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>

#include "common/log_memory.hpp"
#include "common/text.hpp"

namespace fabomatic::log {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      break;
  }
  return "error";
}

std::optional<Level> level_named(std::string_view name) {
  if (name == "debug") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warning") return Level::warning;
  if (name == "error") return Level::error;
  return std::nullopt;
}

namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;  // guards stdout and the kept lines
std::deque<Entry> g_recent;
std::size_t g_keep = 2000;
std::uint64_t g_seq = 0;

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

namespace {
std::string stamp_of(double unix_seconds) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  const auto millis = static_cast<int>((unix_seconds - static_cast<double>(seconds)) * 1000) % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  char with_millis[40];
  std::snprintf(with_millis, sizeof with_millis, "%s.%03d", stamp, millis < 0 ? 0 : millis);
  return with_millis;
}
}  // namespace

namespace {
// Unicode's bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) in UTF-8: they
// reorder what a terminal or a browser shows after them.
bool bidi_control_at(std::string_view text, std::size_t i) {
  if (i + 2 >= text.size() || static_cast<unsigned char>(text[i]) != 0xE2) return false;
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  const auto b2 = static_cast<unsigned char>(text[i + 2]);
  return (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
}

bool needs_escape(std::string_view text, std::size_t i) {
  return text::is_control(text[i]) || bidi_control_at(text, i);
}

// What a client sent (a client id, a topic, a user name) reaches the log inside messages: its
// control characters are shown escaped, so that it can neither start a forged line nor send a
// terminal escape sequence to whoever reads the journal or the portal's log page.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!needs_escape(text, i)) {
      out += text[i];
      continue;
    }
    char escaped[8];
    if (static_cast<unsigned char>(text[i]) == 0xE2) {
      const unsigned code = ((0xE2u & 0x0Fu) << 12) |
                            ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
                            (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
      std::snprintf(escaped, sizeof escaped, "\\u%04x", code);
      i += 2;
    } else {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(text[i]));
    }
    out += escaped;
  }
  return out;
}
}  // namespace

void write(Level level, std::string_view component, std::string_view raw_message) {
  if (!enabled(level)) return;
  std::string escaped;
  std::string_view message = raw_message;
  for (std::size_t i = 0; i < raw_message.size(); ++i) {
    if (needs_escape(raw_message, i)) {
      escaped = printable(raw_message);
      message = escaped;
      break;
    }
  }
  const auto now = std::chrono::system_clock::now();
  const double time =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()) /
      1000.0;
  const std::string stamp = stamp_of(time);
  std::lock_guard lock(g_mutex);
  std::fprintf(stdout, "%s %s %.*s: %.*s\n", stamp.c_str(), name(level),
               static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stdout);
  if (g_keep == 0) return;
  g_recent.push_back(Entry{++g_seq, time, level, std::string(component), std::string(message)});
  while (g_recent.size() > g_keep)
    g_recent.pop_front();
}

std::vector<Entry> recent(std::uint64_t after, std::size_t max) {
  std::lock_guard lock(g_mutex);
  auto first = g_recent.begin();
  while (first != g_recent.end() && first->seq <= after)
    ++first;
  const auto available = static_cast<std::size_t>(std::distance(first, g_recent.end()));
  if (max > 0 && available > max) first += static_cast<std::ptrdiff_t>(available - max);
  return std::vector<Entry>(first, g_recent.end());
}

void keep_recent(std::size_t lines) {
  std::lock_guard lock(g_mutex);
  g_keep = lines;
  while (g_recent.size() > g_keep)
    g_recent.pop_front();
}

std::string format(const Entry& entry) {
  return stamp_of(entry.time) + " " + name(entry.level) + " " + entry.component + ": " +
         entry.message;
}

}  // namespace fabomatic::log
