// Time, as the program reads it: unix seconds for the database's timestamps, and an injectable
// clock for code whose tests move time forward (sessions' idle and absolute expiry, reset
// tokens' lifetime, rate-limit windows) without sleeping.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace fabomatic {

/// The latest time an API takes from a person (the year 3000, in unix seconds): beyond it a
/// number is a typo, not a date.
inline constexpr double kLatestUnixTime = 32503680000.0;

/// Now, in the unix seconds the database stores (db::Timestamp).
inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A time written with strftime's `format` (at most 63 characters of output), in the local time
/// zone or in UTC: file names, dates in mails and in the log.
inline std::string format_time(double unix_seconds, const char* format, bool utc = false) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, format, &tm);
  return std::string(text, n);
}

class Clock {
 public:
  virtual ~Clock() = default;
  /// Measures durations (session idle and absolute lifetime, rate-limit windows).
  virtual std::chrono::steady_clock::time_point steady() const {
    return std::chrono::steady_clock::now();
  }
  /// Wall time written to the database (audit entries, reset token expiry).
  virtual std::chrono::system_clock::time_point wall() const {
    return std::chrono::system_clock::now();
  }
  /// wall() as unix seconds.
  double unix_seconds() const {
    return std::chrono::duration<double>(wall().time_since_epoch()).count();
  }

  /// The real clocks.
  static const Clock& system() {
    static const Clock clock;
    return clock;
  }
};

}  // namespace fabomatic
