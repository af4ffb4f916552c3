// Hands work from the portal's I/O thread to the reactor, one job per turn of its queue: a
// board message that arrives while fifty page requests wait runs after at most one of them,
// not after all fifty. Jobs run in the order they were handed in.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace boost::asio {
class io_context;
}

namespace fabomatic::web {

class ReactorLane {
 public:
  explicit ReactorLane(boost::asio::io_context& reactor);
  ~ReactorLane();
  ReactorLane(const ReactorLane&) = delete;
  ReactorLane& operator=(const ReactorLane&) = delete;

  /// Any thread. The job runs on the reactor's thread.
  void post(std::function<void()> job);
  /// Drops the jobs not yet run (at shutdown: they may hold connections of an I/O context that
  /// is about to go). Any thread.
  void clear();
  std::size_t pending() const;

 private:
  struct State;
  static void schedule(const std::shared_ptr<State>& state);
  static void run_one(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;  // shared with the runner posted to the reactor
};

}  // namespace fabomatic::web
