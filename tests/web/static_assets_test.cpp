#include "web/http/static_assets.hpp"

#include <gtest/gtest.h>

#include "web/http/router.hpp"

namespace fabomatic::web {
namespace {

const EmbeddedAsset* find_asset(std::string_view path) {
  for (const auto& asset : embedded_assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

TEST(StaticAssets, BundleHoldsThePortalShell) {
  const EmbeddedAsset* index = find_asset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_NE(index->data.find("<!doctype html>"), std::string_view::npos);
  EXPECT_EQ(index->sha256.size(), 64u);
  const EmbeddedAsset* style = find_asset("style.css");
  ASSERT_NE(style, nullptr);
  // Precompressed at build time because it is smaller: gzip magic, -n leaves no time stamp.
  ASSERT_FALSE(style->gzip.empty());
  EXPECT_LT(style->gzip.size(), style->data.size());
  EXPECT_EQ(style->gzip.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(style->gzip.substr(4, 4), std::string_view("\0\0\0\0", 4));
}

TEST(StaticAssets, ContentTypes) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("a/b/app.3f9a2b1c.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("font.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("logo.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("noextension"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dir.css/file"), "application/octet-stream");
}

TEST(StaticAssets, FingerprintedNames) {
  EXPECT_TRUE(is_fingerprinted("app.3f9a2b1c.js"));
  EXPECT_TRUE(is_fingerprinted("assets/index-0a1b2c3d4e.css"));
  EXPECT_FALSE(is_fingerprinted("index.html"));
  EXPECT_FALSE(is_fingerprinted("style.css"));
  EXPECT_FALSE(is_fingerprinted("jquery-datatables.js"));  // letters only
  EXPECT_FALSE(is_fingerprinted("app.deadbeef.js"));       // no digit: a word, not a hash
  EXPECT_FALSE(is_fingerprinted("app.3f9a2b1.js"));        // 7 digits
  EXPECT_FALSE(is_fingerprinted("app.3f9a2b1c"));          // no extension after it
}

TEST(StaticAssets, AcceptEncoding) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000, *"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_TRUE(accepts_gzip("deflate, *;q=0.1"));
}

constexpr char kData[] = "hello hello hello hello hello hello";
constexpr char kGzip[] = "\x1f\x8bzz";
constexpr EmbeddedAsset kTestAssets[] = {
    {"index.html", {kData, sizeof kData - 1}, {}, "00112233445566778899aabbccddeeff0011"},
    {"app.3f9a2b1c.js", {kData, sizeof kData - 1}, {kGzip, sizeof kGzip - 1}, "ffee"},
};

TEST(StaticAssets, ServesWithValidatorsAndCaching) {
  const StaticAssets assets(kTestAssets);
  Request request;
  const Response index = assets.serve(kTestAssets[0], request);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kData);
  EXPECT_EQ(index.headers.get("ETag"), "\"00112233445566778899aabbccddeeff\"");
  EXPECT_EQ(index.headers.get("Cache-Control"), "no-cache");
  EXPECT_FALSE(index.headers.contains("Vary"));

  request.headers.add("Accept-Encoding", "gzip");
  const Response app = assets.serve(kTestAssets[1], request);
  EXPECT_EQ(app.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(app.body, std::string_view(kGzip, sizeof kGzip - 1));
  EXPECT_EQ(app.headers.get("ETag"), "\"ffee-gz\"");
  EXPECT_EQ(app.headers.get("Vary"), "Accept-Encoding");
  EXPECT_EQ(app.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
}

TEST(StaticAssets, NotModifiedWhenETagMatches) {
  const StaticAssets assets(kTestAssets);
  Request request;
  request.headers.add("If-None-Match", "\"other\", W/\"00112233445566778899aabbccddeeff\"");
  const Response response = assets.serve(kTestAssets[0], request);
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.headers.contains("ETag"));
  // The plain representation's ETag does not validate the gzip one.
  Request gzip_request;
  gzip_request.headers.add("Accept-Encoding", "gzip");
  gzip_request.headers.add("If-None-Match", "\"ffee\"");
  EXPECT_EQ(assets.serve(kTestAssets[1], gzip_request).status, 200);
}

TEST(StaticAssets, ServesEachNameAndIndexAtRootAndNothingElse) {
  const StaticAssets assets(kTestAssets);
  Router router;
  assets.mount(router);
  EXPECT_EQ(router.size(), 2u);  // "/" and "/{file...}"
  const auto get = [&](std::vector<std::string> segments) {
    auto match = router.find(Method::get, segments);
    Request request;
    request.method = Method::get;
    request.path_params = match.params;  // as the server hands them over
    return dispatch(match, request, nullptr);
  };
  EXPECT_EQ(get({}).headers.get("Content-Type"), "text/html; charset=utf-8");  // index.html
  EXPECT_EQ(get({"app.3f9a2b1c.js"}).headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get({"other.js"}).status, 404);
  EXPECT_EQ(get({"sub", "app.3f9a2b1c.js"}).status, 404);
}

}  // namespace
}  // namespace fabomatic::web
