// Readable log lines on stdout: "2026-11-26 10:00:00.123 INFO  broker: client BOARD7 connected".
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string_view>

namespace fabomatic::log {

enum class Level { debug = 10, info = 20, warning = 30, error = 40 };

/// Every level's word in settings and the portal, lowest first (the choices a form offers).
inline constexpr std::array<std::string_view, 4> kLevelNames{"debug", "info", "warning", "error"};

/// The level's word, one of kLevelNames.
std::string_view level_name(Level level);
/// The level a word names; nullopt for any other word.
std::optional<Level> level_named(std::string_view name);

void set_level(Level level);
Level level();
bool enabled(Level level);

/// Writes one line; `component` names the module ("broker", "db", "web", ...).
void write(Level level, std::string_view component, std::string_view message);

/// A logger handed to a component as an option, so that its tests can read what it reports.
/// Components write through write_to(), which falls back to write() when the sink is empty.
using Sink = std::function<void(Level, std::string_view message)>;

inline void write_to(const Sink& sink, Level level, std::string_view component,
                     std::string_view message) {
  if (sink) {
    sink(level, message);
  } else {
    write(level, component, message);
  }
}

inline void debug(std::string_view c, std::string_view m) {
  write(Level::debug, c, m);
}
inline void info(std::string_view c, std::string_view m) {
  write(Level::info, c, m);
}
inline void warning(std::string_view c, std::string_view m) {
  write(Level::warning, c, m);
}
inline void error(std::string_view c, std::string_view m) {
  write(Level::error, c, m);
}

}  // namespace fabomatic::log
