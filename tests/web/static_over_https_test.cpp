// The embedded portal files over real HTTPS: types, caching, gzip, and no way out of the bundle.
#include <gtest/gtest.h>

#include "test_clients.hpp"
#include "test_server.hpp"
#include "web/http/static_assets.hpp"

namespace fabomatic::web::test {
namespace {

struct StaticServer {
  StaticAssets assets{embedded_assets()};  // the test bundle (tests/web/assets)
  TestServer server{[this] {
    Router router;
    assets.mount(router);
    router.get("/api/v1/ping", [](const Request&) { return Response::json(200, "{}"); });
    return router;
  }()};
};

std::string_view bundled(std::string_view path) {
  for (const auto& asset : embedded_assets()) {
    if (asset.path == path) return asset.data;
  }
  return {};
}

TEST(StaticOverHttps, IndexAtRootWithTypeAndNoCache) {
  StaticServer s;
  HttpsClient client(s.server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::get, "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->at(http::field::content_type), "text/html; charset=utf-8");
  EXPECT_EQ(response->at(http::field::cache_control), "no-cache");
  EXPECT_EQ(response->body(), bundled("index.html"));
  EXPECT_FALSE(response->at(http::field::etag).empty());
  EXPECT_EQ(response->at("Content-Security-Policy").substr(0, 19), "default-src 'self';");
}

TEST(StaticOverHttps, GzipWhenAcceptedAndETagRevalidation) {
  StaticServer s;
  HttpsClient client(s.server.port());
  ASSERT_FALSE(client.connect());
  const auto plain = client.request(http::verb::get, "/style.css");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->at(http::field::content_type), "text/css; charset=utf-8");
  EXPECT_EQ(plain->body(), bundled("style.css"));
  EXPECT_EQ(plain->count(http::field::content_encoding), 0u);
  EXPECT_EQ(plain->at(http::field::vary), "Accept-Encoding");

  const auto gzipped =
      client.request(http::verb::get, "/style.css", {}, {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->at(http::field::content_encoding), "gzip");
  EXPECT_EQ(gzipped->body().substr(0, 2), "\x1f\x8b");
  EXPECT_LT(gzipped->body().size(), plain->body().size());
  EXPECT_NE(gzipped->at(http::field::etag), plain->at(http::field::etag));

  const auto revalidated =
      client.request(http::verb::get, "/style.css", {},
                     {{"Accept-Encoding", "gzip"},
                      {"If-None-Match", std::string(gzipped->at(http::field::etag))}});
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->result_int(), 304);
  EXPECT_TRUE(revalidated->body().empty());
  EXPECT_EQ(revalidated->count(http::field::content_length), 0u);
  // The connection goes on after the bodiless 304. An API answer is kept by no cache.
  const auto api = client.request(http::verb::get, "/api/v1/ping");
  EXPECT_EQ(api->result_int(), 200);
  EXPECT_EQ((*api)[http::field::cache_control], "no-store");
}

TEST(StaticOverHttps, HeadGivesLengthWithoutBody) {
  StaticServer s;
  HttpsClient client(s.server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::head, "/style.css");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->at(http::field::content_length), std::to_string(bundled("style.css").size()));
  EXPECT_TRUE(response->body().empty());
}

TEST(StaticOverHttps, PathTraversalFindsNothing) {
  StaticServer s;
  HttpsClient client(s.server.port());
  ASSERT_FALSE(client.connect());
  for (const char* target :
       {"/../style.css", "/./style.css", "/%2e%2e/style.css", "/%2E%2E%2Fstyle.css",
        "/..%2f..%2f..%2fetc%2fpasswd", "/style.css%2f..%2findex.html", "/assets%2fstyle.css",
        "/..%5c..%5cetc%5cpasswd", "/style.css%00.html", "/etc/passwd", "/index.html/..",
        "//etc/passwd", "/style.css/"}) {
    const auto response = client.request(http::verb::get, target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 404) << target;
    EXPECT_EQ(response->at(http::field::content_type), "application/json") << target;
  }
  // Still the same healthy connection.
  EXPECT_EQ(client.request(http::verb::get, "/style.css")->result_int(), 200);
}

TEST(StaticOverHttps, AssetsAreReadOnly) {
  StaticServer s;
  HttpsClient client(s.server.port());
  ASSERT_FALSE(client.connect());
  const auto response = client.request(http::verb::post, "/index.html", "x");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 405);
}

}  // namespace
}  // namespace fabomatic::web::test
