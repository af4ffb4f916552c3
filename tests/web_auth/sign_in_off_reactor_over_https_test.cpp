// Password hashing off the handlers' thread (web/password_worker.hpp), through the real HTTPS
// server: while a sign-in's hash is being checked, other requests are still answered; a full
// queue answers 503 at once; the sign-in completes with its cookie afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <thread>

#include "auth_fixture.hpp"
#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/auth/password_worker.hpp"

namespace fabomatic::web::test {
namespace {

// How long a step may take on a loaded machine; a passing test waits only as long as it needs.
constexpr std::chrono::milliseconds kPatience = std::chrono::seconds(30);

/// Holds every password job at its start until open() — so the test knows one is in flight.
class Gate {
 public:
  void wait_open() {
    ++waiting_;
    opened_.wait();
  }
  /// Opens once; later calls do nothing.
  void open() {
    if (!opened_once_.exchange(true)) promise_.set_value();
  }
  int waiting() const { return waiting_; }

 private:
  std::atomic<bool> opened_once_{false};
  std::promise<void> promise_;
  std::shared_future<void> opened_ = promise_.get_future().share();
  std::atomic<int> waiting_{0};
};

/// The auth routes over real HTTPS, hashing on a PasswordWorker (one job at a time, `queue`
/// more may wait) whose every job is held at the gate until it opens.
class GatedServer {
 public:
  explicit GatedServer(AuthHarness& h, std::size_t queue = 1)
      : worker_(
            [this](std::function<void()> then) {
              boost::asio::post(*handlers_io_.load(), std::move(then));
            },
            queue) {
    AuthOptions options = test_auth_options();
    options.password_work = [this](PasswordJob job) {
      return worker_.submit([this, job = std::move(job)] {
        worker_thread_ = std::this_thread::get_id();
        gate.wait_open();
        return job();
      });
    };
    Router router;
    register_auth_routes(router, h.auth(), h.db(), h.mailer(), h.audit(), options);
    router.get("/ping", [](const Request&) { return Response::text(200, "pong"); });
    server_.emplace(std::move(router));
    handlers_io_ = &server_->io();
  }

  // A test that failed before opening the gate must not leave the worker's job held: the
  // worker's destructor waits for it.
  ~GatedServer() { gate.open(); }

  /// POSTs `body` to `target` on a new connection; the status, 0 when the exchange failed. The
  /// answer may wait for held and queued hashes: on a loaded machine (CI compiling beside the
  /// tests) two argon2id checks took seconds, so the wait is long.
  unsigned post(const std::string& target, const nlohmann::json& body) {
    HttpsClient client(server_->port());
    if (client.connect(kPatience)) return 0u;
    const auto answer =
        client.request(http::verb::post, target, body.dump(),
                       {{"Content-Type", "application/json"}}, std::chrono::seconds(60));
    return answer ? answer->result_int() : 0u;
  }
  /// Whether a plain request is answered now (while password jobs may be held).
  bool pings() {
    HttpsClient other(server_->port());
    if (other.connect()) return false;
    const auto ping = other.request(http::verb::get, "/ping");
    return ping && ping->body() == "pong";
  }
  /// Whether the last job ran on a thread other than the handlers'.
  bool hashed_off_the_handlers_thread() {
    const auto handlers = server_->on_reactor([] { return std::this_thread::get_id(); });
    return worker_thread_ != std::thread::id{} && worker_thread_ != handlers;
  }
  std::size_t queued() const { return worker_.queued(); }

  Gate gate;

 private:
  std::atomic<boost::asio::io_context*> handlers_io_{nullptr};
  std::atomic<std::thread::id> worker_thread_{};
  // The server outlives the worker: a job still running when a test ends early posts its
  // continuation to the server's io_context.
  std::optional<TestServer> server_;
  PasswordWorker worker_;
};

TEST(SignInOffReactor, OtherRequestsAreAnsweredWhileAPasswordIsCheckedAndAFullQueueIs503) {
  AuthHarness h;
  GatedServer server(h);
  const nlohmann::json body = {{"email", kAdminEmail}, {"password", kAdminPassword}};
  auto sign_in = [&] { return server.post("/api/v1/auth/login", body); };
  auto first = std::async(std::launch::async, sign_in);
  ASSERT_TRUE(
      wait_until([&] { return server.gate.waiting() == 1; }, kPatience));  // its hash is checked
  auto second = std::async(std::launch::async, sign_in);                   // waits in the queue
  ASSERT_TRUE(wait_until([&] { return server.queued() == 1; }, kPatience));
  // The third finds the queue full and is answered at once, while the first still hashes.
  EXPECT_EQ(std::async(std::launch::async, sign_in).get(), 503u);

  EXPECT_TRUE(server.pings());
  EXPECT_EQ(server.gate.waiting(), 1);  // answered while the first sign-in was still checked

  server.gate.open();
  EXPECT_EQ(first.get(), 200u);
  EXPECT_EQ(second.get(), 200u);
  EXPECT_TRUE(server.hashed_off_the_handlers_thread());
}

TEST(SignInOffReactor, ADatabaseErrorAfterTheHashIsA500AndTheServerGoesOn) {
  AuthHarness h;
  GatedServer server(h);
  // The sign-in's audit entry cannot be written (as on a full disk or a damaged file): the
  // error comes in the continuation, back on the handlers' thread but outside the router.
  h.db().exec(
      "CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk "
      "full'); END");
  server.gate.open();
  EXPECT_EQ(
      server.post("/api/v1/auth/login", {{"email", kAdminEmail}, {"password", kAdminPassword}}),
      500u);
  EXPECT_TRUE(server.pings());  // the handlers' thread is still running
  h.db().exec("DROP TRIGGER audit_fails");
  EXPECT_EQ(
      server.post("/api/v1/auth/login", {{"email", kAdminEmail}, {"password", kAdminPassword}}),
      200u);
}

TEST(ResetOffReactor, TheNewPasswordIsHashedElsewhereAndALinkUsedTwiceAtOnceSetsItOnce) {
  AuthHarness h;
  GatedServer server(h);
  ASSERT_EQ(
      h.call(Method::post, "/api/v1/auth/forgot", nlohmann::json{{"email", kAdminEmail}}.dump())
          .status,
      202);
  ASSERT_EQ(h.mailer().mails().size(), 1u);
  const std::string token = token_in(h.mailer().mails()[0]);
  auto reset_to = [&](std::string password) {
    return server.post("/api/v1/auth/reset", {{"token", token}, {"password", password}});
  };
  // Both requests find the link unspent and go to hashing; the first holds the worker.
  auto first = std::async(std::launch::async, reset_to, "first-new-password");
  ASSERT_TRUE(wait_until([&] { return server.gate.waiting() == 1; }, kPatience));
  auto second = std::async(std::launch::async, reset_to, "second-new-password");
  ASSERT_TRUE(wait_until([&] { return server.queued() == 1; }, kPatience));
  EXPECT_TRUE(server.pings());  // the server answers while a new password is hashed
  // A junk token is refused at once, without queueing any hashing.
  EXPECT_EQ(server.post("/api/v1/auth/reset",
                        {{"token", "not-a-token"}, {"password", "some-new-password"}}),
            400u);
  EXPECT_EQ(server.queued(), 1u);

  server.gate.open();
  EXPECT_EQ(first.get(), 200u);
  EXPECT_EQ(second.get(), 400u);  // the link was spent while its hash was being made
  EXPECT_TRUE(server.hashed_off_the_handlers_thread());
  const auto login = [&](const std::string& password) {
    return h
        .call(Method::post, "/api/v1/auth/login",
              nlohmann::json{{"email", kAdminEmail}, {"password", password}}.dump())
        .status;
  };
  EXPECT_EQ(login("second-new-password"), 401);
  EXPECT_EQ(login("first-new-password"), 200);
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

TEST(PasswordWorker, AContinuationThatThrowsAnswers500InsteadOfEscaping) {
  std::function<void()> posted;
  const auto work = [&](PasswordJob job) {
    posted = job();  // as the worker does, then posted back where handlers run
    return true;
  };
  std::optional<int> status;
  const Reply reply = [&](Response response) { status = response.status; };
  ASSERT_TRUE(run_password_job(
      work, []() -> std::function<void()> { return [] { throw std::runtime_error("disk full"); }; },
      reply));
  ASSERT_TRUE(posted);
  EXPECT_NO_THROW(posted());
  EXPECT_EQ(status, 500);
  // A continuation that answers by itself is left alone.
  status.reset();
  ASSERT_TRUE(run_password_job(
      work, [&]() -> std::function<void()> { return [&] { reply(Response::text(200, "ok")); }; },
      reply));
  posted();
  EXPECT_EQ(status, 200);
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
