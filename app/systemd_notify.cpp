#include "app/systemd_notify.hpp"

#include <cstring>
#include <string>

#include "common/log.hpp"

#ifdef FABOMATIC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fabomatic::app {

namespace {

void notify(const std::string& state) {
#ifdef FABOMATIC_HAVE_SYSTEMD
  // unset_environment = 0: the pings after this one need $NOTIFY_SOCKET too.
  const int r = sd_notify(0, state.c_str());
  if (r < 0) {
    log::warning("systemd", "sd_notify(" + state.substr(0, state.find('\n')) +
                                ") failed: " + std::strerror(-r));
  }
#else
  (void)state;
#endif
}

}  // namespace

bool SystemdNotifier::supported() {
#ifdef FABOMATIC_HAVE_SYSTEMD
  return true;
#else
  return false;
#endif
}

SystemdNotifier::SystemdNotifier(boost::asio::io_context& reactor) : timer_(reactor) {}

void SystemdNotifier::ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::stopping() {
  stopped_ = true;
  timer_.cancel();
  notify("STOPPING=1");
}

void SystemdNotifier::reloading() {
  stopped_ = true;
  timer_.cancel();
  notify("RELOADING=1\nSTATUS=restarting");
}

void SystemdNotifier::start_watchdog() {
#ifdef FABOMATIC_HAVE_SYSTEMD
  uint64_t usec = 0;
  // > 0 only when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is this process).
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  interval_ = std::chrono::microseconds(usec / 2);
  log::info("systemd", "watchdog: pinging systemd every " +
                           std::to_string(interval_.count() / 1000) + " ms from the reactor");
  notify("WATCHDOG=1");
  schedule();
#endif
}

void SystemdNotifier::schedule() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    notify("WATCHDOG=1");
    schedule();
  });
}

}  // namespace fabomatic::app
