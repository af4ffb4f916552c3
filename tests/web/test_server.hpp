// A Server on 127.0.0.1 (free port) whose io_context runs on a thread of its own, so that tests
// can talk to it with blocking clients; and the self-signed certificate the tests trust.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certs/certificates.hpp"
#include "web/http/server.hpp"

namespace fabomatic::web::test {

/// Runs `f` on the thread running `io` and waits for its result.
template <class F>
auto run_on(boost::asio::io_context& io, F f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  boost::asio::post(io, [&task] { task(); });
  return result.get();
}

/// Polls `condition` every 5 ms until it holds (true) or `limit` passes (false).
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

/// Created once per test binary in a temporary directory (valid for localhost and 127.0.0.1).
const certs::Material& test_certificate();

/// Log lines a server wrote (thread-safe).
class LogCapture {
 public:
  log::Sink function();
  bool contains(std::string_view part) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

class TestServer {
 public:
  /// Short timeouts so that timeout tests finish quickly; tests override what they need.
  static ServerOptions fast_options();

  TestServer(Router router, ServerOptions options = fast_options());
  ~TestServer();

  std::uint16_t port() const { return port_; }
  std::optional<std::uint16_t> redirect_port() const { return redirect_port_; }
  Server& server() { return *server_; }
  boost::asio::io_context& io() { return io_; }
  LogCapture& log() { return *log_; }

  /// Runs `f` on the server's reactor thread and waits for it.
  template <class F>
  auto on_reactor(F f) -> decltype(f()) {
    return run_on(io_, std::move(f));
  }

  /// Waits until the server counts `n` connections (or `limit` passes).
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds limit);

 private:
  std::shared_ptr<LogCapture> log_ = std::make_shared<LogCapture>();
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::optional<std::uint16_t> redirect_port_;
  std::thread thread_;
};

}  // namespace fabomatic::web::test
