#include "web/http/reactor_lane.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace fabomatic::web {

struct ReactorLane::State {
  explicit State(boost::asio::io_context& io) : reactor(io) {}
  boost::asio::io_context& reactor;
  mutable std::mutex mutex;
  std::deque<std::function<void()>> jobs;
  bool scheduled = false;  // a runner is queued on the reactor
};

ReactorLane::ReactorLane(boost::asio::io_context& reactor)
    : state_(std::make_shared<State>(reactor)) {}

ReactorLane::~ReactorLane() {
  clear();
}

void ReactorLane::post(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mutex);
    state_->jobs.push_back(std::move(job));
    if (state_->scheduled) return;
    state_->scheduled = true;
  }
  schedule(state_);
}

void ReactorLane::clear() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(state_->mutex);
    dropped.swap(state_->jobs);
  }
  // `dropped` dies here, outside the lock: destroying a job may release a connection.
}

std::size_t ReactorLane::pending() const {
  std::lock_guard lock(state_->mutex);
  return state_->jobs.size();
}

void ReactorLane::schedule(const std::shared_ptr<State>& state) {
  // Posted, not dispatched: the runner goes behind whatever the reactor already has ready.
  boost::asio::post(state->reactor, [state] { run_one(state); });
}

void ReactorLane::run_one(const std::shared_ptr<State>& state) {
  std::function<void()> job;
  bool more = false;
  {
    std::lock_guard lock(state->mutex);
    if (state->jobs.empty()) {
      state->scheduled = false;
      return;
    }
    job = std::move(state->jobs.front());
    state->jobs.pop_front();
    more = !state->jobs.empty();
    if (!more) state->scheduled = false;
  }
  if (more) schedule(state);  // before the job: a throwing job does not stall the lane
  job();
}

}  // namespace fabomatic::web
