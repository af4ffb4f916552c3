// The time source of sign-in, sessions, reset tokens and the audit log. Injected (instead of
// calling the clocks directly) so that tests can move time forward across idle and absolute
// session expiry or a reset token's lifetime without sleeping.
#pragma once

#include <chrono>

namespace fabomatic::web {

class AuthClock {
 public:
  virtual ~AuthClock() = default;
  /// Measures durations (session idle and absolute lifetime, rate-limit windows).
  virtual std::chrono::steady_clock::time_point steady() const {
    return std::chrono::steady_clock::now();
  }
  /// Wall time written to the database (audit entries, reset token expiry).
  virtual std::chrono::system_clock::time_point wall() const {
    return std::chrono::system_clock::now();
  }
  /// wall() as the unix seconds the database stores (db::Timestamp).
  double unix_seconds() const {
    return std::chrono::duration<double>(wall().time_since_epoch()).count();
  }

  /// The real clocks.
  static const AuthClock& system() {
    static const AuthClock clock;
    return clock;
  }
};

}  // namespace fabomatic::web
