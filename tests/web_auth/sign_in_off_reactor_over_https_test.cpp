// Password hashing off the handlers' thread (web/password_worker.hpp), through the real HTTPS
// server: while a sign-in's hash is being checked, other requests are still answered; a full
// queue answers 503 at once; the sign-in completes with its cookie afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "auth_fixture.hpp"
#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/password_worker.hpp"

namespace fabomatic::web::test {
namespace {

/// Holds every password job at its start until open() — so the test knows one is in flight.
class Gate {
 public:
  void wait_open() {
    ++waiting_;
    opened_.wait();
  }
  void open() { promise_.set_value(); }
  int waiting() const { return waiting_; }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_ = promise_.get_future().share();
  std::atomic<int> waiting_{0};
};

TEST(SignInOffReactor, OtherRequestsAreAnsweredWhileAPasswordIsCheckedAndAFullQueueIs503) {
  AuthHarness h;
  Gate gate;
  std::atomic<boost::asio::io_context*> handlers_io{nullptr};
  std::thread::id worker_thread;
  // One job at a time, one more may wait: the third concurrent sign-in is refused.
  PasswordWorker worker(
      [&](std::function<void()> then) { boost::asio::post(*handlers_io.load(), std::move(then)); },
      1);
  AuthOptions options = test_auth_options();
  options.password_work = [&](PasswordJob job) {
    return worker.submit([&, job = std::move(job)] {
      worker_thread = std::this_thread::get_id();
      gate.wait_open();
      return job();
    });
  };
  Router router;
  register_auth_routes(router, h.auth(), h.db(), h.mailer(), h.audit(), options);
  router.get("/ping", [](const Request&) { return Response::text(200, "pong"); });
  TestServer server(std::move(router));
  handlers_io = &server.io();
  const std::thread::id handler_thread =
      server.on_reactor([] { return std::this_thread::get_id(); });

  const std::string body =
      nlohmann::json{{"email", kAdminEmail}, {"password", kAdminPassword}}.dump();
  const Fields json = {{"Content-Type", "application/json"}};
  auto sign_in = [&]() -> unsigned {
    HttpsClient client(server.port());
    if (client.connect()) return 0u;
    const auto answer = client.request(http::verb::post, "/api/v1/auth/login", body, json);
    return answer ? answer->result_int() : 0u;
  };
  auto first = std::async(std::launch::async, sign_in);
  ASSERT_TRUE(wait_until([&] { return gate.waiting() == 1; }));  // its hash is being checked
  auto second = std::async(std::launch::async, sign_in);         // waits in the queue
  ASSERT_TRUE(wait_until([&] { return worker.queued() == 1; }));
  // The third finds the queue full and is answered at once, while the first still hashes.
  EXPECT_EQ(std::async(std::launch::async, sign_in).get(), 503u);

  HttpsClient other(server.port());
  ASSERT_FALSE(other.connect());
  const auto ping = other.request(http::verb::get, "/ping");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->body(), "pong");
  EXPECT_EQ(gate.waiting(), 1);  // answered while the first sign-in was still being checked

  gate.open();
  EXPECT_EQ(first.get(), 200u);
  EXPECT_EQ(second.get(), 200u);
  EXPECT_NE(worker_thread, handler_thread);
}

TEST(PasswordWorker, RunsJobsElsewhereAndTheirContinuationsThroughPostBack) {
  std::vector<std::function<void()>> posted;
  std::mutex mutex;
  PasswordWorker worker([&](std::function<void()> then) {
    std::lock_guard lock(mutex);
    posted.push_back(std::move(then));
  });
  std::atomic<int> continued{0};
  std::thread::id ran_on;
  ASSERT_TRUE(worker.submit([&]() -> std::function<void()> {
    ran_on = std::this_thread::get_id();
    return [&] { ++continued; };
  }));
  ASSERT_TRUE(worker.submit([]() -> std::function<void()> { throw std::runtime_error("oom"); }));
  ASSERT_TRUE(worker.submit([&]() -> std::function<void()> { return [&] { continued += 10; }; }));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    return posted.size() == 2;  // the throwing job posts nothing and the worker goes on
  }));
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(continued, 0);  // continuations run only where they are posted
  for (auto& then : posted)
    then();
  EXPECT_EQ(continued, 11);
}

TEST(PasswordWorker, RefusesBeyondItsQueueAndDropsQueuedJobsWhenDestroyed) {
  Gate gate;
  std::atomic<int> ran{0};
  std::thread opener;
  {
    PasswordWorker worker([](std::function<void()>) {}, 2);
    auto job = [&]() -> std::function<void()> {
      gate.wait_open();
      ++ran;
      return nullptr;
    };
    ASSERT_TRUE(worker.submit(job));
    ASSERT_TRUE(wait_until([&] { return gate.waiting() == 1; }));
    EXPECT_TRUE(worker.submit(job));
    EXPECT_TRUE(worker.submit(job));
    EXPECT_FALSE(worker.submit(job));  // two already wait
    EXPECT_EQ(worker.queued(), 2u);
    opener = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      gate.open();
    });
  }  // the destructor finishes the running job and drops the two queued ones
  opener.join();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace fabomatic::web::test
