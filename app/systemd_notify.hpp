// Tells systemd how the service is doing (a Type=notify unit): READY=1 once the broker and the
// portal listen, WATCHDOG=1 from a timer on the reactor while it keeps turning, STOPPING=1 at
// shutdown. Without $NOTIFY_SOCKET (started by hand, by tests) or when built without
// libsystemd, every call does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string_view>

namespace fabomatic::app {

class SystemdNotifier {
 public:
  /// The watchdog timer runs on `reactor`: when the reactor stalls, the pings stop and systemd
  /// restarts the service after WatchdogSec.
  explicit SystemdNotifier(boost::asio::io_context& reactor);

  /// READY=1 with a status line for `systemctl status`.
  void ready(std::string_view status);

  /// STOPPING=1; also ends the watchdog pings.
  void stopping();

  /// RELOADING=1 (the process starts itself again, and says READY=1 once it listens); also
  /// ends the watchdog pings of this run.
  void reloading();

  /// Starts WATCHDOG=1 pings every half of $WATCHDOG_USEC when systemd asked for them (the
  /// unit's WatchdogSec); otherwise does nothing.
  void start_watchdog();

  /// Whether this build talks to systemd at all (linked with libsystemd).
  static bool supported();

  /// Half the watchdog period asked for, zero when none was asked.
  std::chrono::microseconds watchdog_interval() const { return interval_; }

 private:
  void schedule();

  boost::asio::steady_timer timer_;
  std::chrono::microseconds interval_{0};
  bool stopped_ = false;
};

}  // namespace fabomatic::app
