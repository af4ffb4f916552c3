// The server over real HTTPS on loopback: routing, limits, timeouts, errors, security headers.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/http/security_headers.hpp"

namespace fabomatic::web::test {
namespace {

Router api_router() {
  Router router;
  router.get("/api/v1/machines/{id}", [](const Request& r) {
    std::string body = "id=" + std::string(*r.param("id"));
    for (const auto& value : r.query_params("filter"))
      body += " filter=" + std::string(value);
    body += " sort=" + std::string(r.query_param("sort").value_or("-"));
    body += " from=" + r.remote_address;
    body += " agent=" + std::string(r.header("user-agent").value_or("-"));
    return Response::text(200, body);
  });
  router.put("/api/v1/machines/{id}", [](const Request&) { return Response::no_content(); });
  router.post("/echo", [](const Request& r) { return Response::text(200, r.body); });
  router.post(
      "/small", [](const Request& r) { return Response::text(200, r.body); }, RouteOptions{16});
  router.get("/boom", [](const Request&) -> Response { throw std::runtime_error("kaputt"); });
  return router;
}

void expect_security_headers(const HttpResponse& response) {
  EXPECT_EQ(response["Content-Security-Policy"], kContentSecurityPolicy);
  EXPECT_EQ(response[http::field::strict_transport_security], "max-age=31536000");
  EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(response["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(response["X-Frame-Options"], "DENY");
}

TEST(HttpsServer, RoutesWithParametersQueryAndHeaders) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response =
      client.request(http::verb::get, "/api/v1/machines/42?sort=name&filter=a+b&filter=%C3%A9", {},
                     {{"User-Agent", "gtest"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(),
            "id=42 filter=a b filter=\xC3\xA9 sort=name from=127.0.0.1 agent=gtest");
  expect_security_headers(*response);
}

TEST(HttpsServer, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  for (int i = 0; i < 20; ++i) {
    const auto response = client.request(http::verb::post, "/echo", "n" + std::to_string(i));
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->body(), "n" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
  }
  EXPECT_EQ(server.server().connection_count(), 1u);
}

TEST(HttpsServer, UnknownPathAndWrongMethodAreJsonErrors) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto missing = client.request(http::verb::get, "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result_int(), 404);
  EXPECT_EQ(missing->at(http::field::content_type), "application/json");
  EXPECT_NE(missing->body().find("\"not_found\""), std::string::npos);
  expect_security_headers(*missing);
  const auto wrong = client.request(http::verb::delete_, "/api/v1/machines/3");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->result_int(), 405);
  EXPECT_EQ(wrong->at(http::field::allow), "GET, HEAD, PUT");
  EXPECT_NE(wrong->body().find("\"method_not_allowed\""), std::string::npos);
  // The connection is still usable after both.
  EXPECT_EQ(client.request(http::verb::put, "/api/v1/machines/3")->result_int(), 204);
}

TEST(HttpsServer, HandlerExceptionIs500AndServerKeepsServing) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto failed = client.request(http::verb::get, "/boom");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->result_int(), 500);
  EXPECT_EQ(failed->at(http::field::content_type), "application/json");
  EXPECT_EQ(failed->body().find("kaputt"), std::string::npos);
  expect_security_headers(*failed);
  EXPECT_TRUE(server.log().contains("kaputt"));
  EXPECT_EQ(client.request(http::verb::post, "/echo", "still here")->body(), "still here");
  HttpsClient other(server.port());
  ASSERT_FALSE(other.connect());
  EXPECT_EQ(other.request(http::verb::post, "/echo", "me too")->body(), "me too");
}

// RFC 9112 6.1/6.3, RFC 9110 15.5.16: a body in a coding the server does not decode is refused,
// never read as if plain.
TEST(HttpsServer, BodiesInCodingsTheServerDoesNotDecodeAreRefused) {
  TestServer server(api_router());
  struct Exchange {
    std::unique_ptr<HttpsClient> client;
    int status = 0;  // 0: no answer
    std::string body;
  };
  const auto send = [&](std::string_view raw) {
    Exchange e{std::make_unique<HttpsClient>(server.port())};
    EXPECT_FALSE(e.client->connect());
    EXPECT_FALSE(e.client->write_raw(raw));
    if (const auto answer = e.client->read_response()) {
      e.status = answer->result_int();
      e.body = answer->body();
    }
    return e;
  };
  // gzip before chunked: the framing is known, the content is not: 501.
  const auto gzip_chunked = send(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(gzip_chunked.status, 501);
  EXPECT_NE(gzip_chunked.body.find("gzip"), std::string::npos);

  // The last coding is not chunked: where the body ends is unknown, so the bytes after the
  // header must not be read as a next request. 400, and the connection closes.
  const auto smuggled = send(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n"
      "Content-Length: 40\r\n\r\nGET /api/v1/machines/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(smuggled.status, 400);
  EXPECT_TRUE(smuggled.client->closed_within(std::chrono::seconds(5)));

  // A compressed body: 415, and the handler never saw it. Answered on the header, as the other
  // early refusals: the body is drained and the connection closed.
  const auto compressed = send(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: gzip\r\n"
      "Content-Length: 3\r\n\r\nabc");
  EXPECT_EQ(compressed.status, 415);
  EXPECT_NE(compressed.body.find("unsupported_media_type"), std::string::npos);
  EXPECT_TRUE(compressed.client->closed_within(std::chrono::seconds(5)));

  // "identity" is no coding at all, and a coding named on a request without a body is moot.
  const auto identity = send(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: identity\r\n"
      "Content-Length: 3\r\n\r\nabc");
  EXPECT_EQ(identity.body, "abc");
  EXPECT_EQ(
      send("GET /api/v1/machines/2 HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: br\r\n\r\n")
          .status,
      200);
}

TEST(HttpsServer, HeadAnswersWithoutBody) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::head, "/api/v1/machines/7");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(response->body().empty());
  EXPECT_EQ(response->at(http::field::content_length), "34");  // of the GET answer
  EXPECT_EQ(client.request(http::verb::post, "/echo", "next")->body(), "next");
}

TEST(HttpsServer, BodyLimits) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  // At the route's limit: fine; one byte more: 413.
  EXPECT_EQ(client.request(http::verb::post, "/small", std::string(16, 'x'))->result_int(), 200);
  const auto over = client.request(http::verb::post, "/small", std::string(17, 'x'));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->result_int(), 413);
  expect_security_headers(*over);
  EXPECT_FALSE(over->keep_alive());

  // The default limit (1 MiB), announced by Content-Length: refused before any body is sent.
  HttpsClient big(server.port());
  ASSERT_FALSE(big.connect());
  ASSERT_FALSE(
      big.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048577"
                    "\r\n\r\n"));
  const auto refused = big.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 413);

  // A chunked body is counted as it arrives.
  HttpsClient chunked(server.port());
  ASSERT_FALSE(chunked.connect());
  ASSERT_FALSE(chunked.write_raw(
      "POST /small HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"));
  const auto chunked_refused = chunked.read_response();
  ASSERT_TRUE(chunked_refused);
  EXPECT_EQ(chunked_refused->result_int(), 413);

  // Exactly 1 MiB passes the default limit.
  HttpsClient full(server.port());
  ASSERT_FALSE(full.connect());
  const auto accepted = full.request(http::verb::post, "/echo", std::string(1024 * 1024, 'y'));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result_int(), 200);
  EXPECT_EQ(accepted->body().size(), 1024u * 1024u);
}

TEST(HttpsServer, BodiesHeldInMemoryAreBoundedAcrossConnections) {
  ServerOptions options = TestServer::fast_options();
  options.body_memory_limit = 100 * 1024;
  options.body_timeout = std::chrono::milliseconds(10'000);
  TestServer server(api_router(), options);
  // `slow` announces 60 KiB and sends a little: its reservation stands while the rest is awaited.
  constexpr std::size_t kBody = 60 * 1024;
  HttpsClient slow(server.port());
  ASSERT_FALSE(slow.connect());
  ASSERT_FALSE(slow.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                              std::to_string(kBody) + "\r\n\r\n" + std::string(1000, 's')));
  // Another 60 KiB body would exceed the 100 KiB budget: 503 (once `slow`'s header is read).
  int refused = 0;
  ASSERT_TRUE(wait_until([&] {
    HttpsClient other(server.port());
    if (other.connect()) return false;
    const auto answer = other.request(http::verb::post, "/echo", std::string(kBody, 'o'));
    refused = answer ? answer->result_int() : 0;
    return refused == 503;
  }));
  EXPECT_TRUE(server.log().contains("request bodies in memory at their limit"));
  // A small body still fits beside the reservation.
  HttpsClient small(server.port());
  ASSERT_FALSE(small.connect());
  EXPECT_EQ(small.request(http::verb::post, "/echo", std::string(30 * 1024, 'x'))->result_int(),
            200);

  ASSERT_FALSE(slow.write_raw(std::string(kBody - 1000, 's')));
  const auto finished = slow.read_response();
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->result_int(), 200);
  EXPECT_EQ(finished->body().size(), kBody);
  // Answered: its share is free again.
  HttpsClient again(server.port());
  ASSERT_FALSE(again.connect());
  const auto accepted = again.request(http::verb::post, "/echo", std::string(kBody, 'a'));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result_int(), 200);
}

// A route's admit check answers on the header: a refused request's body is neither awaited nor
// given any of the server's body memory (a stranger announcing 10 MiB holds nothing), and an
// admitted one reaches its handler whole, path parameters included.
TEST(HttpsServer, ARefusedRequestIsAnsweredBeforeItsBodyIsRead) {
  Router router;
  RouteOptions guarded;
  guarded.body_limit = 16 * 1024 * 1024;
  guarded.admit = [](const Request& r) -> std::optional<Response> {
    if (r.header("x-key") == "yes" && r.param("id") == "7") return std::nullopt;
    return Response::error(401, "unauthenticated", "no key");
  };
  router.post(
      "/guarded/{id}",
      [](const Request& r) {
        return Response::text(200, std::string(*r.param("id")) +
                                       std::string(r.query_param("q").value_or("-")) + r.body);
      },
      guarded);
  router.post("/echo", [](const Request& r) { return Response::text(200, r.body); });
  ServerOptions options = TestServer::fast_options();
  options.body_memory_limit = 100 * 1024;
  options.body_timeout = std::chrono::milliseconds(10'000);
  TestServer server(std::move(router), options);

  HttpsClient stranger(server.port());
  ASSERT_FALSE(stranger.connect());
  ASSERT_FALSE(stranger.write_raw(
      "POST /guarded/7 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10485760\r\n\r\n"));
  const auto refused = stranger.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 401);
  // Its connection still open (draining), the whole budget is free for another body.
  HttpsClient other(server.port());
  ASSERT_FALSE(other.connect());
  const auto echoed = other.request(http::verb::post, "/echo", std::string(90 * 1024, 'o'));
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->result_int(), 200);

  HttpsClient admitted(server.port());
  ASSERT_FALSE(admitted.connect());
  ASSERT_FALSE(
      admitted.write_raw("POST /guarded/7?q=Q HTTP/1.1\r\nHost: localhost\r\nX-Key: "
                         "yes\r\nContent-Length: 5\r\n\r\n"));
  ASSERT_FALSE(admitted.write_raw("hello"));
  const auto answered = admitted.read_response();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->result_int(), 200);
  EXPECT_EQ(answered->body(), "7Qhello");  // path parameters and query both reach the handler
}

TEST(HttpsServer, ExpectContinueGetsContinue) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_FALSE(
      client.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: "
                       "100-continue\r\nContent-Length: 5\r\n\r\n"));
  const auto interim = client.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_FALSE(client.write_raw("hello"));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "hello");
}

TEST(HttpsServer, OversizedHeaderIs431) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::get, "/api/v1/machines/1", {},
                                       {{"X-Padding", std::string(9000, 'a')}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431);
  expect_security_headers(*response);
  // Just under the limit is fine.
  HttpsClient ok(server.port());
  ASSERT_FALSE(ok.connect());
  EXPECT_EQ(
      ok.request(http::verb::get, "/api/v1/machines/1", {}, {{"X-Padding", std::string(7000, 'a')}})
          ->result_int(),
      200);
}

TEST(HttpsServer, MalformedRequestIs400) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_FALSE(client.write_raw("GET /a b c HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  HttpsClient escapes(server.port());
  ASSERT_FALSE(escapes.connect());
  EXPECT_EQ(escapes.request(http::verb::get, "/api/v1/machines/%zz")->result_int(), 400);
}

TEST(HttpsServer, SlowLorisIsDroppedWhileOthersAreServed) {
  ServerOptions options = TestServer::fast_options();
  options.header_timeout = std::chrono::milliseconds(400);
  TestServer server(api_router(), options);
  HttpsClient slow(server.port());
  ASSERT_FALSE(slow.connect());
  const auto started = std::chrono::steady_clock::now();
  ASSERT_FALSE(slow.write_raw("GET /api/v1/machines/1 HTTP/1.1\r\n"));
  bool dropped = false;
  for (int i = 0; i < 30 && !dropped; ++i) {  // one header byte every 50 ms, never finishing
    if (slow.write_raw("X")) dropped = true;
    if (!dropped) {
      HttpsClient other(server.port());  // meanwhile another client is served
      if (i % 10 == 0) {
        ASSERT_FALSE(other.connect());
        EXPECT_EQ(other.request(http::verb::post, "/echo", "ok")->body(), "ok");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (!dropped) dropped = slow.closed_within(std::chrono::milliseconds(2000));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(dropped);
  EXPECT_GE(elapsed, std::chrono::milliseconds(350));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_TRUE(server.wait_for_connections(0, std::chrono::milliseconds(2000)));
}

TEST(HttpsServer, SilentClientIsDroppedAfterHeaderTimeout) {
  ServerOptions options = TestServer::fast_options();
  options.header_timeout = std::chrono::milliseconds(300);
  TestServer server(api_router(), options);
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  EXPECT_TRUE(client.closed_within(std::chrono::milliseconds(2000)));
}

TEST(HttpsServer, StalledTlsHandshakeIsDropped) {
  ServerOptions options = TestServer::fast_options();
  options.handshake_timeout = std::chrono::milliseconds(300);
  TestServer server(api_router(), options);
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect_tcp_only());
  ASSERT_TRUE(server.wait_for_connections(1, std::chrono::milliseconds(1000)));
  EXPECT_TRUE(server.wait_for_connections(0, std::chrono::milliseconds(2000)));
}

TEST(HttpsServer, SlowBodyIsDropped) {
  ServerOptions options = TestServer::fast_options();
  options.body_timeout = std::chrono::milliseconds(300);
  TestServer server(api_router(), options);
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_FALSE(
      client.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nab"));
  EXPECT_TRUE(client.closed_within(std::chrono::milliseconds(2000)));
}

// A restore's database over a slow Wi-Fi takes longer than the fixed body timeout: a body gets
// time for its size at the slowest accepted rate as well.
TEST(HttpsServer, ALargeBodyGetsTimeForItsSize) {
  ServerOptions options = TestServer::fast_options();
  options.body_timeout = std::chrono::milliseconds(300);
  options.body_min_rate = 1000;  // bytes per second: 2,000 bytes get 300 ms + 2 s
  TestServer server(api_router(), options);
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_FALSE(
      client.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000"
                       "\r\n\r\n" +
                       std::string(1000, 'a')));
  std::this_thread::sleep_for(std::chrono::milliseconds(900));  // past the fixed 300 ms
  ASSERT_FALSE(client.write_raw(std::string(1000, 'b')));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result_int(), 200);
  EXPECT_EQ(answer->body().size(), 2000u);

  // Beyond that time it is dropped all the same.
  HttpsClient slow(server.port());
  ASSERT_FALSE(slow.connect());
  ASSERT_FALSE(
      slow.write_raw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n\r\nab"));
  EXPECT_FALSE(slow.closed_within(std::chrono::milliseconds(1500)));
  EXPECT_TRUE(slow.closed_within(std::chrono::milliseconds(3000)));
}

TEST(HttpsServer, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options = TestServer::fast_options();
  options.idle_timeout = std::chrono::milliseconds(300);
  TestServer server(api_router(), options);
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_EQ(client.request(http::verb::post, "/echo", "x")->result_int(), 200);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_within(std::chrono::milliseconds(2000)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
}

TEST(HttpsServer, ConnectionLimitRefusesExcessPromptly) {
  ServerOptions options = TestServer::fast_options();
  options.max_connections = 3;
  TestServer server(api_router(), options);
  std::vector<std::unique_ptr<HttpsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<HttpsClient>(server.port()));
    ASSERT_FALSE(clients.back()->connect()) << i;
  }
  ASSERT_TRUE(server.wait_for_connections(3, std::chrono::milliseconds(1000)));
  HttpsClient excess(server.port());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(excess.connect(std::chrono::milliseconds(3000)));  // the handshake fails...
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::milliseconds(1000));  // ...at once, not after a timeout
  // The admitted clients are unaffected, and a freed slot admits a new client.
  EXPECT_EQ(clients[0]->request(http::verb::post, "/echo", "in")->body(), "in");
  clients.pop_back();
  ASSERT_TRUE(server.wait_for_connections(2, std::chrono::milliseconds(2000)));
  HttpsClient later(server.port());
  ASSERT_FALSE(later.connect());
  EXPECT_EQ(later.request(http::verb::post, "/echo", "later")->body(), "later");
}

TEST(HttpsServer, ConnectionsPerAddressAreLimitedLeavingOthersIn) {
  ServerOptions options = TestServer::fast_options();
  options.max_connections_per_address = 2;
  TestServer server(api_router(), options);
  std::vector<std::unique_ptr<HttpsClient>> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(std::make_unique<HttpsClient>(server.port(), "127.0.0.1"));
    ASSERT_FALSE(clients.back()->connect()) << i;
  }
  ASSERT_TRUE(server.wait_for_connections(2, std::chrono::milliseconds(1000)));
  // A third from the same address is refused at once; another address still gets in.
  HttpsClient third(server.port(), "127.0.0.1");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(third.connect(std::chrono::milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  HttpsClient other(server.port(), "127.0.0.2");
  ASSERT_FALSE(other.connect());
  EXPECT_EQ(other.request(http::verb::post, "/echo", "other")->body(), "other");
  // A connection that ends gives its address a slot back.
  clients.pop_back();
  ASSERT_TRUE(server.wait_for_connections(2, std::chrono::milliseconds(2000)));
  HttpsClient later(server.port(), "127.0.0.1");
  ASSERT_FALSE(later.connect());
  EXPECT_EQ(later.request(http::verb::post, "/echo", "later")->body(), "later");
}

TEST(HttpsServer, StopClosesEveryConnection) {
  TestServer server(api_router());
  HttpsClient client(server.port());
  ASSERT_FALSE(client.connect());
  ASSERT_TRUE(server.wait_for_connections(1, std::chrono::milliseconds(1000)));
  server.on_reactor([&] {
    server.server().stop();
    return 0;
  });
  EXPECT_TRUE(client.closed_within(std::chrono::milliseconds(2000)));
  EXPECT_TRUE(server.wait_for_connections(0, std::chrono::milliseconds(2000)));
  HttpsClient refused(server.port());
  EXPECT_TRUE(refused.connect(std::chrono::milliseconds(2000)));
}

}  // namespace
}  // namespace fabomatic::web::test
