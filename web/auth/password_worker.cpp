#include "web/auth/password_worker.hpp"

#include <utility>

#include "common/log.hpp"
#include "web/http/thread_priority.hpp"

namespace fabomatic::web {

namespace {
constexpr int kNice = 10;
}  // namespace

PasswordWorker::PasswordWorker(std::function<void(std::function<void()>)> post_back,
                               std::size_t max_pending)
    : post_back_(std::move(post_back)), max_pending_(max_pending), thread_([this] { run(); }) {}

PasswordWorker::~PasswordWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_one();
  thread_.join();
}

bool PasswordWorker::submit(PasswordJob job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_pending_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

std::size_t PasswordWorker::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void PasswordWorker::run() {
  // On a one-core Pi a hash must not take the CPU from the reactor: it yields to it.
  name_and_lower_this_thread("fabomatic-pw", kNice);
  for (;;) {
    PasswordJob job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    std::function<void()> then;
    try {
      then = job();
    } catch (...) {
      // Jobs catch their own failures and answer through their continuation; one that still
      // throws must not end the worker (the others keep being served).
      then = nullptr;
    }
    if (then) post_back_(std::move(then));
  }
}

bool run_password_job(const std::function<bool(PasswordJob)>& work, PasswordJob job,
                      const std::function<void(Response)>& reply) {
  PasswordJob answered_job = [job = std::move(job), reply]() -> std::function<void()> {
    std::function<void()> then = job();
    if (!then) return then;
    return [then = std::move(then), reply] {
      std::string failure;
      try {
        return then();
      } catch (const std::exception& e) {
        failure = e.what();
      } catch (...) {
        failure = "unknown exception";
      }
      log::error("web", "password request failed: " + failure);
      reply(Response::internal_error());
    };
  };
  if (work) return work(std::move(answered_job));
  if (auto then = answered_job()) then();
  return true;
}

Response password_queue_full() {
  Response response =
      Response::error(503, "busy", "Too many password checks at once; try again in a moment");
  response.headers.set("Retry-After", "1");
  return response;
}

}  // namespace fabomatic::web
