// WebSocket routes over the HTTPS port: echo, refusal, heartbeats, and a slow client that is
// dropped without holding up a fast one.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <functional>
#include <thread>

#include "test_clients.hpp"
#include "test_server.hpp"

namespace fabomatic::web::test {
namespace {

/// The sessions of "/ws/hub" in the order they opened (touched on the reactor only), and
/// counters the test thread may read.
struct Hub {
  std::vector<std::shared_ptr<WebSocketSession>> sessions;
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
};

Router websocket_router(Hub& hub) {
  Router router;
  WebSocketRoute echo;
  echo.on_message = [](WebSocketSession& session, std::string_view text) {
    session.send("echo: " + std::string(text));
  };
  router.websocket("/ws/echo", echo);

  WebSocketRoute refused;
  refused.authorize = [](const Request& request) -> std::optional<Response> {
    if (request.header("Cookie") == "session=good") return std::nullopt;
    return Response::error(401, "unauthorized", "sign in first");
  };
  refused.on_message = echo.on_message;
  router.websocket("/ws/private", refused);

  WebSocketRoute hub_route;
  hub_route.on_open = [&hub](const std::shared_ptr<WebSocketSession>& session, const Request&) {
    hub.sessions.push_back(session);
    ++hub.opened;
  };
  hub_route.on_close = [&hub](WebSocketSession&) { ++hub.closed; };
  router.websocket("/ws/hub", hub_route);
  return router;
}

TEST(WebSocket, EchoOverTls) {
  Hub hub;
  TestServer server(websocket_router(hub));
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.connect("/ws/echo"));
  ASSERT_FALSE(client.send("hello"));
  EXPECT_EQ(client.read(), "echo: hello");
  ASSERT_FALSE(client.send("again"));
  EXPECT_EQ(client.read(), "echo: again");
}

TEST(WebSocket, AuthorizeCanRefuseTheUpgrade) {
  Hub hub;
  TestServer server(websocket_router(hub));
  WebSocketClient client(server.port());
  int status = 0;
  EXPECT_TRUE(client.connect("/ws/private", &status));
  EXPECT_EQ(status, 401);
}

TEST(WebSocket, PlainGetOnWebSocketRouteIs426) {
  Hub hub;
  TestServer server(websocket_router(hub));
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::get, "/ws/echo");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 426);
}

TEST(WebSocket, AuthorizeAcceptsWithTheRightCookie) {
  Hub hub;
  TestServer server(websocket_router(hub));
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.connect("/ws/private?cookie", nullptr, {{"Cookie", "session=good"}}));
  ASSERT_FALSE(client.send("in"));
  EXPECT_EQ(client.read(), "echo: in");
}

// A live link whose sign-in session ended is closed with its own code, so that the browser goes
// to sign-in instead of trying a reconnect the server would refuse; any other close is 1000.
TEST(WebSocket, ASessionEndedCloseCarriesItsOwnCode) {
  Hub hub;
  TestServer server(websocket_router(hub));
  WebSocketClient ended(server.port()), normal(server.port());
  ASSERT_FALSE(ended.connect("/ws/hub"));
  ASSERT_TRUE(wait_until([&] { return hub.opened == 1; }, std::chrono::milliseconds(2000)));
  ASSERT_FALSE(normal.connect("/ws/hub"));
  ASSERT_TRUE(wait_until([&] { return hub.opened == 2; }, std::chrono::milliseconds(2000)));
  server.on_reactor([&] {
    hub.sessions[0]->close_session_ended();
    hub.sessions[1]->close();
    return 0;
  });
  EXPECT_TRUE(ended.closed_within(std::chrono::milliseconds(2000)));
  EXPECT_EQ(ended.close_code(), kSessionEndedCloseCode);
  EXPECT_TRUE(normal.closed_within(std::chrono::milliseconds(2000)));
  EXPECT_EQ(normal.close_code(), 1000);
  server.on_reactor([&] {
    hub.sessions.clear();
    return 0;
  });
}

TEST(WebSocket, SlowClientIsDroppedAndFastClientGetsEverything) {
  Hub hub;
  ServerOptions options = TestServer::fast_options();
  options.websocket_queue_limit = 512 * 1024;
  TestServer server(websocket_router(hub), options);
  WebSocketClient slow(server.port());  // connects, then never reads
  ASSERT_FALSE(slow.connect("/ws/hub"));
  ASSERT_TRUE(wait_until([&] { return hub.opened == 1; }, std::chrono::milliseconds(2000)));
  WebSocketClient fast(server.port());
  ASSERT_FALSE(fast.connect("/ws/hub"));
  ASSERT_TRUE(wait_until([&] { return hub.opened == 2; }, std::chrono::milliseconds(2000)));

  const std::string payload(128 * 1024, 'm');
  int rounds = 0;
  bool slow_dropped = false;
  // Each round queues one message for both; the fast client takes its copy before the next
  // round. The slow client's socket buffers fill, then its queue, then it is dropped.
  while (!slow_dropped && rounds < 600) {
    const auto sent = server.on_reactor([&] {
      return std::make_pair(hub.sessions[0]->send(payload), hub.sessions[1]->send(payload));
    });
    ++rounds;
    ASSERT_TRUE(sent.second) << "fast client refused in round " << rounds;
    const auto received = fast.read();
    ASSERT_TRUE(received) << "round " << rounds;
    ASSERT_EQ(received->size(), payload.size());
    slow_dropped = !sent.first;
  }
  EXPECT_TRUE(slow_dropped) << "after " << rounds << " rounds";
  EXPECT_TRUE(server.log().contains("does not keep up"));
  EXPECT_TRUE(wait_until([&] { return hub.closed == 1; }, std::chrono::milliseconds(2000)));
  EXPECT_FALSE(server.on_reactor([&] { return hub.sessions[0]->is_open(); }));
  // The fast client is still served.
  EXPECT_TRUE(server.on_reactor([&] { return hub.sessions[1]->send("still there"); }));
  EXPECT_EQ(fast.read(), "still there");
  server.on_reactor([&] {
    hub.sessions.clear();
    return 0;
  });
}

TEST(WebSocket, PingsKeepAReadingClientAlive) {
  Hub hub;
  ServerOptions options = TestServer::fast_options();
  options.websocket_idle_timeout = std::chrono::milliseconds(400);
  TestServer server(websocket_router(hub), options);
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.connect("/ws/hub"));
  ASSERT_TRUE(wait_until([&] { return hub.opened == 1; }, std::chrono::milliseconds(2000)));
  // Nothing is sent for 1.2 s (three idle periods); the client reads, so it answers pings.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    server.on_reactor([&] { return hub.sessions[0]->send("late"); });
  });
  const auto message = client.read(std::chrono::milliseconds(5000));
  later.join();
  EXPECT_EQ(message, "late");
  EXPECT_GE(client.pings_received(), 2);
  EXPECT_EQ(hub.closed, 0);
  server.on_reactor([&] {
    hub.sessions.clear();
    return 0;
  });
}

TEST(WebSocket, ClientThatNeverAnswersPingsIsClosed) {
  Hub hub;
  ServerOptions options = TestServer::fast_options();
  options.websocket_idle_timeout = std::chrono::milliseconds(300);
  TestServer server(websocket_router(hub), options);
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.connect("/ws/hub"));
  EXPECT_TRUE(wait_until([&] { return hub.closed == 1; }, std::chrono::milliseconds(3000)));
  EXPECT_TRUE(server.wait_for_connections(0, std::chrono::milliseconds(2000)));
  server.on_reactor([&] {
    hub.sessions.clear();
    return 0;
  });
}

TEST(WebSocket, OversizedClientMessageEndsTheSession) {
  Hub hub;
  ServerOptions options = TestServer::fast_options();
  options.websocket_message_limit = 1024;
  TestServer server(websocket_router(hub), options);
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.connect("/ws/echo"));
  ASSERT_FALSE(client.send(std::string(2048, 'x')));
  EXPECT_TRUE(client.closed_within(std::chrono::milliseconds(2000)));
  EXPECT_EQ(client.close_code(), 1009);  // RFC 6455 7.4.1: "message too big", not a bare cut
}

/// The answer to an upgrade request to /ws/echo with these handshake fields.
std::optional<HttpResponse> upgrade_with(std::uint16_t port, const Fields& handshake) {
  HttpsClient client(port);
  if (client.connect()) return std::nullopt;
  Fields fields{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
  fields.insert(fields.end(), handshake.begin(), handshake.end());
  return client.request(http::verb::get, "/ws/echo", {}, fields);
}

TEST(WebSocket, HandshakeOfAnotherVersionIs426NamingOurs) {
  Hub hub;
  TestServer server(websocket_router(hub));
  const auto answer = upgrade_with(
      server.port(),
      {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "8"}});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result_int(), 426);
  EXPECT_EQ((*answer)["Sec-WebSocket-Version"], "13");
  EXPECT_NE(answer->body().find("\"upgrade_required\""), std::string::npos) << answer->body();
}

TEST(WebSocket, HandshakeKeyThatIsNotA16ByteNonceIs400) {
  Hub hub;
  TestServer server(websocket_router(hub));
  for (const char* key : {"!!", "", "dGhlIHNhbXBsZSBub25jZQ",
                          "dGhlIHNhbXBsZSBub25jZSE=", "dGhlIHNhbXBsZSBub25j*Q=="}) {
    const auto answer =
        upgrade_with(server.port(), {{"Sec-WebSocket-Key", key}, {"Sec-WebSocket-Version", "13"}});
    ASSERT_TRUE(answer) << key;
    EXPECT_EQ(answer->result_int(), 400) << key;
    EXPECT_NE(answer->body().find("\"bad_request\""), std::string::npos) << answer->body();
  }
  // RFC 6455's own example key is one.
  const auto accepted = upgrade_with(
      server.port(),
      {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "13"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result_int(), 101);
  EXPECT_EQ((*accepted)["Sec-WebSocket-Accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ((*accepted)["Server"], "fabomatic");  // not "Boost.Beast/353": no version to probe
}

}  // namespace
}  // namespace fabomatic::web::test
