// The optional plain-HTTP port: every request gets a 308 to the same target over HTTPS.
#include <gtest/gtest.h>

#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/http/redirect_session.hpp"

namespace fabomatic::web::test {
namespace {

TEST(Redirect, PlainHttpGoesToHttpsWithSamePathAndQuery) {
  ServerOptions options = TestServer::fast_options();
  options.redirect_port = 0;
  TestServer server(Router{}, options);
  ASSERT_TRUE(server.redirect_port());
  ASSERT_NE(*server.redirect_port(), 0);
  PlainClient client(*server.redirect_port());
  const auto response =
      client.exchange("GET /machines/3?tab=uses HTTP/1.1\r\nHost: fablab.local:8080\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 308);
  EXPECT_EQ(response->at(http::field::location),
            "https://fablab.local:" + std::to_string(server.port()) + "/machines/3?tab=uses");
  EXPECT_EQ(response->count(http::field::strict_transport_security), 0u);  // not over plain HTTP
  EXPECT_EQ(response->at("X-Content-Type-Options"), "nosniff");
}

TEST(Redirect, RefusesMissingOrHostileHost) {
  ServerOptions options = TestServer::fast_options();
  options.redirect_port = 0;
  TestServer server(Router{}, options);
  for (const char* request :
       {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"}) {
    PlainClient client(*server.redirect_port());
    const auto response = client.exchange(request);
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->result_int(), 400) << request;
  }
}

TEST(Redirect, LocationBuilding) {
  using detail::https_location;
  EXPECT_EQ(https_location("pi", "/x", 443), "https://pi/x");
  EXPECT_EQ(https_location("pi:80", "/x?y=1", 23336), "https://pi:23336/x?y=1");
  EXPECT_EQ(https_location("[fd00::5]:80", "/", 23336), "https://[fd00::5]:23336/");
  EXPECT_EQ(https_location("10.0.0.2", "http://other/x", 23336), "https://10.0.0.2:23336/");
  EXPECT_EQ(https_location("", "/", 443), std::nullopt);
  EXPECT_EQ(https_location("[fd00::5", "/", 443), std::nullopt);
  EXPECT_EQ(https_location("[x]", "/", 443), std::nullopt);
  EXPECT_EQ(https_location("a\r\nSet-Cookie: x", "/", 443), std::nullopt);
}

}  // namespace
}  // namespace fabomatic::web::test
