// Password hashing on a thread of its own. Checking an argon2id hash costs about 0.1 s of CPU
// and 64 MiB here (more time on a Pi): done on the reactor, every sign-in would hold up every
// board's answer for that long, and a client trying passwords could stall the lab. Jobs run one
// at a time (the memory bound), and the queue is short: beyond it, sign-in answers "busy".
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "web/http/http_message.hpp"

namespace fabomatic::web {

/// Runs on the worker (pure CPU, no database); returns what to run back where handlers run.
using PasswordJob = std::function<std::function<void()>()>;

class PasswordWorker {
 public:
  /// `post_back` hands a continuation to the handlers' thread (the reactor).
  explicit PasswordWorker(std::function<void(std::function<void()>)> post_back,
                          std::size_t max_pending = 8);
  /// Finishes the job at hand, drops the queued ones (their continuations never run).
  ~PasswordWorker();
  PasswordWorker(const PasswordWorker&) = delete;
  PasswordWorker& operator=(const PasswordWorker&) = delete;

  /// Any thread. False when `max_pending` jobs already wait: the caller answers "busy".
  bool submit(PasswordJob job);
  /// Jobs waiting (not the one running). Any thread.
  std::size_t queued() const;

 private:
  void run();

  std::function<void(std::function<void()>)> post_back_;
  std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PasswordJob> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

/// Runs `job` through `work` (a PasswordWorker's submit, as the portal wires it), or here and
/// now when `work` is unset (tests, tools). False when the worker's queue is full. Its
/// continuation runs outside the router's catch: if it throws (a database error: a full disk, a
/// damaged file), `reply` gets a 500 and the error is logged, instead of the exception ending
/// the reactor and the process with it.
bool run_password_job(const std::function<bool(PasswordJob)>& work, PasswordJob job,
                      const std::function<void(Response)>& reply);

/// The answer when run_password_job refused: 503 "busy" with Retry-After: 1.
Response password_queue_full();

}  // namespace fabomatic::web
