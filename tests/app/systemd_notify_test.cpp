// SystemdNotifier against a stand-in for systemd's notification socket: READY, WATCHDOG pings
// from the reactor (and none while the reactor is stuck), STOPPING.
#include "app/systemd_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using fabomatic::app::SystemdNotifier;
using Clock = std::chrono::steady_clock;

struct Message {
  Clock::time_point at;
  std::string text;
};

// A datagram socket where systemd's would be, named by $NOTIFY_SOCKET while the test runs, read
// by a thread of its own so that every message gets the time it arrived.
class FakeSystemd {
 public:
  FakeSystemd() {
    dir_ =
        std::filesystem::temp_directory_path() / ("fabomatic-notify-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    reader_ = std::thread([this] {
      while (!done_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 10) <= 0) continue;
        char buffer[512];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        messages_.push_back({Clock::now(), std::string(buffer, static_cast<std::size_t>(n))});
      }
    });
  }
  ~FakeSystemd() {
    done_ = true;
    reader_.join();
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }

  /// The messages that arrived so far, taken out.
  std::vector<Message> take() {
    std::this_thread::sleep_for(20ms);  // what was just sent is read
    std::lock_guard lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::vector<Message> messages_;
  std::thread reader_;
};

int count(const std::vector<Message>& messages, const std::string& text,
          Clock::time_point from = Clock::time_point::min(),
          Clock::time_point until = Clock::time_point::max()) {
  int n = 0;
  for (const auto& m : messages)
    n += m.text.find(text) != std::string::npos && m.at >= from && m.at <= until ? 1 : 0;
  return n;
}

TEST(SystemdNotifyTest, ReadyWatchdogFromTheReactorAndStopping) {
  if (!SystemdNotifier::supported()) GTEST_SKIP() << "built without libsystemd";
  FakeSystemd systemd;
  ::setenv("WATCHDOG_USEC", "100000", 1);  // WatchdogSec=100ms: a ping every 50 ms
  boost::asio::io_context io;
  SystemdNotifier notifier(io);

  notifier.ready("broker on port 1883");
  notifier.start_watchdog();
  EXPECT_EQ(notifier.watchdog_interval(), 50ms);
  io.run_for(400ms);
  const auto first = systemd.take();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().text, "READY=1\nSTATUS=broker on port 1883");
  EXPECT_GE(count(first, "WATCHDOG=1"), 5);

  // A stuck reactor sends nothing: systemd would kill and restart the service.
  Clock::time_point stuck_from, stuck_until;
  boost::asio::post(io, [&] {
    stuck_from = Clock::now();
    std::this_thread::sleep_for(300ms);
    stuck_until = Clock::now();
  });
  io.run_for(500ms);
  const auto around = systemd.take();
  EXPECT_EQ(count(around, "WATCHDOG=1", stuck_from + 10ms, stuck_until), 0)
      << "pings are sent by the reactor, not beside it";
  EXPECT_GE(count(around, "WATCHDOG=1", stuck_until), 2) << "pings resume when the reactor does";

  notifier.stopping();
  io.run_for(200ms);
  const auto stopping = systemd.take();
  ASSERT_FALSE(stopping.empty());
  EXPECT_EQ(stopping.front().text, "STOPPING=1");
  EXPECT_EQ(count(stopping, "WATCHDOG=1"), 0);
}

TEST(SystemdNotifyTest, NoWatchdogUnlessSystemdAsksForOne) {
  FakeSystemd systemd;
  boost::asio::io_context io;
  SystemdNotifier notifier(io);
  notifier.start_watchdog();
  EXPECT_EQ(notifier.watchdog_interval(), 0us);
  io.run_for(100ms);
  EXPECT_EQ(count(systemd.take(), "WATCHDOG=1"), 0);
}

TEST(SystemdNotifyTest, WithoutNotifySocketNothingHappens) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "100000", 1);
  boost::asio::io_context io;
  SystemdNotifier notifier(io);
  notifier.ready("x");
  notifier.start_watchdog();
  io.run_for(120ms);
  notifier.stopping();
  io.run_for(10ms);
  ::unsetenv("WATCHDOG_USEC");
  SUCCEED();
}

}  // namespace
