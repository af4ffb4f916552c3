// The server with an application executor (ServerOptions::app), as the appliance runs it:
// sockets, TLS and parsing on the server's thread; handlers and WebSocket callbacks on another
// (the reactor), queued through a ReactorLane; the counters of HttpStats.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>
#include <vector>

#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/http/reactor_lane.hpp"

namespace fabomatic::web::test {
namespace {

/// The "reactor": an io_context on its own thread, reached through a ReactorLane.
class AppThread {
 public:
  AppThread() : work_(boost::asio::make_work_guard(io_)), lane_(io_) {
    thread_ = std::thread([this] { io_.run(); });
    id_ = run([] { return std::this_thread::get_id(); });
  }
  ~AppThread() {
    lane_.clear();
    work_.reset();
    thread_.join();
  }

  std::thread::id id() const { return id_; }
  bool here() const { return std::this_thread::get_id() == id_; }

  /// For ServerOptions::app.
  std::function<void(std::function<void()>)> executor() {
    return [this](std::function<void()> job) { lane_.post(std::move(job)); };
  }

  /// Runs `f` on the app thread and waits for it.
  template <class F>
  auto run(F f) -> decltype(f()) {
    return run_on(io_, std::move(f));
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  ReactorLane lane_;
  std::thread thread_;
  std::thread::id id_;
};

/// Where each callback ran: true for the app thread.
struct Seen {
  std::atomic<int> handler_on_app{-1};
  std::atomic<int> static_on_app{-1};
  std::atomic<int> authorize_on_app{-1};
  std::atomic<int> open_on_app{-1};
  std::atomic<int> message_on_app{-1};
  std::atomic<int> close_on_app{-1};
  std::vector<std::shared_ptr<WebSocketSession>> sessions;  // app thread only
};

Router app_router(AppThread& app, Seen& seen) {
  Router router;
  router.get("/handler", [&](const Request&) {
    seen.handler_on_app = app.here();
    return Response::text(200, "from a handler");
  });
  router.get(
      "/asset",
      [&](const Request&) {
        seen.static_on_app = app.here();
        return Response::text(200, "immutable");
      },
      RouteOptions{.io_thread_safe = true});
  router.get("/throws", [](const Request&) -> Response { throw std::runtime_error("boom"); });

  WebSocketRoute live;
  live.authorize = [&](const Request& request) -> std::optional<Response> {
    seen.authorize_on_app = app.here();
    if (request.header("Cookie") == "session=good") return std::nullopt;
    return Response::error(401, "unauthorized", "sign in first");
  };
  live.on_open = [&](const std::shared_ptr<WebSocketSession>& session, const Request&) {
    seen.open_on_app = app.here();
    seen.sessions.push_back(session);
    session->send("snapshot");  // from the app thread: hops to the connection's thread
  };
  live.on_message = [&](WebSocketSession& session, std::string_view text) {
    seen.message_on_app = app.here();
    session.send("echo: " + std::string(text));
  };
  live.on_close = [&](WebSocketSession&) { seen.close_on_app = app.here(); };
  router.websocket("/live", live);
  return router;
}

struct Fixture {
  explicit Fixture(HttpStats* stats = nullptr)
      : server(app_router(app, seen), [&] {
          ServerOptions options = TestServer::fast_options();
          options.app = app.executor();
          options.stats = stats;
          return options;
        }()) {}
  ~Fixture() {
    app.run([this] {
      seen.sessions.clear();
      return 0;
    });
  }
  AppThread app;  // outlives the server: the server's connections post into its lane
  Seen seen;
  TestServer server;
};

TEST(AppExecutor, HandlersRunOnTheAppThreadAndImmutableRoutesOnTheServerThread) {
  Fixture f;
  HttpsClient client(f.server.port());
  ASSERT_FALSE(client.connect());
  auto response = client.request(http::verb::get, "/handler");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "from a handler");
  EXPECT_EQ(f.seen.handler_on_app, 1);

  response = client.request(http::verb::get, "/asset");  // same keep-alive connection
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "immutable");
  EXPECT_EQ(f.seen.static_on_app, 0);
}

TEST(AppExecutor, AThrowingHandlerIs500AndTheConnectionGoesOn) {
  Fixture f;
  HttpsClient client(f.server.port());
  ASSERT_FALSE(client.connect());
  auto response = client.request(http::verb::get, "/throws");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  response = client.request(http::verb::get, "/handler");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(f.server.log().contains("boom"));
}

TEST(AppExecutor, ManyClientsAtOnceAllGetTheirOwnAnswer) {
  Fixture f;
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      HttpsClient client(f.server.port());
      if (client.connect()) return;
      for (int r = 0; r < kRequests; ++r) {
        const auto response = client.request(http::verb::get, "/handler");
        if (response && response->result_int() == 200 && response->body() == "from a handler") {
          ++ok;
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(ok, kClients * kRequests);
}

TEST(AppExecutor, WebSocketCallbacksRunOnTheAppThreadAndSendsHopBack) {
  Fixture f;
  WebSocketClient refused(f.server.port());
  int status = 0;
  EXPECT_TRUE(refused.connect("/live", &status));
  EXPECT_EQ(status, 401);
  EXPECT_EQ(f.seen.authorize_on_app, 1);

  WebSocketClient client(f.server.port());
  ASSERT_FALSE(client.connect("/live", nullptr, {{"Cookie", "session=good"}}));
  EXPECT_EQ(client.read(), "snapshot");
  EXPECT_EQ(f.seen.open_on_app, 1);
  ASSERT_FALSE(client.send("hi"));
  EXPECT_EQ(client.read(), "echo: hi");
  EXPECT_EQ(f.seen.message_on_app, 1);

  // A push from the app thread, as the live hub broadcasts, then a close from there.
  EXPECT_TRUE(f.app.run([&] { return f.seen.sessions.at(0)->send("event"); }));
  EXPECT_EQ(client.read(), "event");
  f.app.run([&] {
    f.seen.sessions.at(0)->close();
    return 0;
  });
  EXPECT_FALSE(f.app.run([&] { return f.seen.sessions.at(0)->is_open(); }));
  EXPECT_TRUE(client.closed_within(std::chrono::seconds(3)));
  EXPECT_TRUE(wait_until([&] { return f.seen.close_on_app == 1; }));
}

TEST(AppExecutor, HttpStatsCountResponsesByClassWithTheirLatency) {
  HttpStats stats;
  Fixture f(&stats);
  HttpsClient client(f.server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_TRUE(client.request(http::verb::get, "/handler"));
  ASSERT_TRUE(client.request(http::verb::get, "/asset"));
  ASSERT_TRUE(client.request(http::verb::get, "/nowhere"));
  ASSERT_TRUE(client.request(http::verb::get, "/throws"));
  EXPECT_EQ(stats.responses[1].load(), 2u);  // 2xx
  EXPECT_EQ(stats.responses[3].load(), 1u);  // 4xx
  EXPECT_EQ(stats.responses[4].load(), 1u);  // 5xx
  std::uint64_t counted = 0;
  for (const auto& bucket : stats.latency_counts)
    counted += bucket.load();
  EXPECT_EQ(counted, 4u);
}

TEST(ReactorLane, OneJobPerTurnBehindWhatIsAlreadyQueued) {
  boost::asio::io_context io;
  ReactorLane lane(io);
  std::vector<std::string> order;
  lane.post([&] { order.push_back("lane 1"); });
  lane.post([&] { order.push_back("lane 2"); });
  lane.post([&] { order.push_back("lane 3"); });
  boost::asio::post(io, [&] { order.push_back("board"); });
  io.run();
  // The board message, queued after three page requests, waits for one of them only.
  EXPECT_EQ(order, (std::vector<std::string>{"lane 1", "board", "lane 2", "lane 3"}));
  EXPECT_EQ(lane.pending(), 0u);
}

TEST(ReactorLane, ClearDropsWhatHasNotRunAndTheLaneStillWorks) {
  boost::asio::io_context io;
  ReactorLane lane(io);
  int ran = 0;
  auto held = std::make_shared<int>(7);
  lane.post([&ran, held] { ++ran; });
  lane.post([&ran, held] { ++ran; });
  EXPECT_EQ(held.use_count(), 3);
  lane.clear();
  EXPECT_EQ(held.use_count(), 1);  // the dropped jobs released what they held
  io.run();
  EXPECT_EQ(ran, 0);
  io.restart();
  lane.post([&ran] { ++ran; });
  io.run();
  EXPECT_EQ(ran, 1);
}

TEST(ReactorLane, AThrowingJobDoesNotStallTheOthers) {
  boost::asio::io_context io;
  ReactorLane lane(io);
  int ran = 0;
  lane.post([] { throw std::runtime_error("job failed"); });
  lane.post([&ran] { ++ran; });
  EXPECT_THROW(io.run(), std::runtime_error);
  io.restart();
  io.run();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace fabomatic::web::test
