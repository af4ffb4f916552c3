// A Response with a BodyStream over real HTTPS: chunked transfer as the pieces come (from
// another thread), keep-alive afterwards, the connection cut when the producer fails, the
// producer released when the client leaves, HEAD without a body.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/http/body_stream.hpp"

namespace fabomatic::web::test {
namespace {

/// Gives `count` pieces of `size` bytes ('a', 'b', ...), each from a thread of its own after a
/// short pause, then the end; or, with `fail_after`, nullopt after that many pieces.
class CountingStream final : public BodyStream {
 public:
  CountingStream(int count, std::size_t size, int fail_after, std::atomic<int>* alive)
      : count_(count), size_(size), fail_after_(fail_after), alive_(alive) {
    ++*alive_;
  }
  ~CountingStream() override {
    --*alive_;
    for (auto& t : threads_)
      t.join();
  }
  void next(Deliver deliver) override {
    const int index = given_++;
    threads_.emplace_back([this, index, deliver = std::move(deliver)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (fail_after_ >= 0 && index >= fail_after_) return deliver(std::nullopt);
      if (index >= count_) return deliver(std::string());
      deliver(std::string(size_, static_cast<char>('a' + index % 26)));
    });
  }

 private:
  int count_;
  std::size_t size_;
  int fail_after_;
  std::atomic<int>* alive_;
  int given_ = 0;
  std::vector<std::thread> threads_;
};

std::atomic<int> g_alive{0};

Router stream_router() {
  Router router;
  router.get("/stream", [](const Request& r) {
    Response response;
    response.headers.set("Content-Type", "text/csv");
    const int count = std::stoi(std::string(r.query_param("n").value_or("3")));
    const int fail = std::stoi(std::string(r.query_param("fail").value_or("-1")));
    response.stream = std::make_shared<CountingStream>(count, 1000, fail, &g_alive);
    return response;
  });
  router.get("/plain", [](const Request&) { return Response::text(200, "plain"); });
  return router;
}

TEST(StreamedBody, PiecesArriveChunkedAndTheConnectionIsKeptAlive) {
  TestServer server(stream_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::get, "/stream?n=30");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(response->chunked());
  EXPECT_EQ(response->at(http::field::content_type), "text/csv");
  ASSERT_EQ(response->body().size(), 30u * 1000);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(response->body()[static_cast<std::size_t>(i) * 1000], 'a' + i % 26) << i;
  EXPECT_EQ((*response)["X-Content-Type-Options"], "nosniff");
  const auto next = client.request(http::verb::get, "/plain");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "plain");
  EXPECT_EQ(server.server().connection_count(), 1u);
  EXPECT_TRUE(wait_until([] { return g_alive == 0; }));
}

TEST(StreamedBody, EmptyStreamIsAnEmptyBody) {
  TestServer server(stream_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::get, "/stream?n=0");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "");
}

TEST(StreamedBody, AFailingProducerCutsTheConnectionBeforeTheLastChunk) {
  TestServer server(stream_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  // The answer never completes: the client sees an error, not a short file.
  const auto response = client.request(http::verb::get, "/stream?n=10&fail=4");
  EXPECT_FALSE(response);
  EXPECT_TRUE(server.log().contains("failed; connection cut"));
  EXPECT_TRUE(wait_until([] { return g_alive == 0; }));
  EXPECT_TRUE(wait_until([&] { return server.server().connection_count() == 0; }));
}

TEST(StreamedBody, HeadSendsTheHeadersOnly) {
  TestServer server(stream_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_FALSE(client.write_raw("HEAD /stream HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const auto response = client.read_response(true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "");
  const auto next = client.request(http::verb::get, "/plain");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "plain");
  EXPECT_TRUE(wait_until([] { return g_alive == 0; }));
}

TEST(StreamedBody, AClientThatLeavesReleasesTheProducer) {
  TestServer server(stream_router());
  {
    HttpsClient client(server.port());
    ASSERT_FALSE(client.connect());
    // A long stream; the client reads nothing and goes.
    ASSERT_FALSE(client.write_raw("GET /stream?n=100000 HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    ASSERT_TRUE(wait_until([] { return g_alive == 1; }));
  }
  EXPECT_TRUE(wait_until([] { return g_alive == 0; }, std::chrono::milliseconds(20000)));
}

}  // namespace
}  // namespace fabomatic::web::test
