// The browser app as the binary embeds it (web/frontend/ built by build.mjs): an index page
// whose script and stylesheet are in the bundle under fingerprinted names (cached for a year),
// precompressed, and the icon and manifest a phone asks for.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "web/http/static_assets.hpp"

namespace fabomatic::web {
namespace {

TEST(Bundle, IndexReferencesFingerprintedScriptAndStyleThatAreEmbedded) {
  const StaticAssets assets(embedded_assets());
  const EmbeddedAsset* index = assets.find("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_FALSE(is_fingerprinted(index->path));  // served no-cache: it names the others
  const std::string html(index->data);
  for (const char* pattern :
       {R"re(src="/?(app-[0-9a-f]{12,}\.js)")re", R"re(href="/?(app-[0-9a-f]{12,}\.css)")re"}) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(html, match, std::regex(pattern))) << pattern << "\n" << html;
    const EmbeddedAsset* file = assets.find(match[1].str());
    ASSERT_NE(file, nullptr) << match[1];
    EXPECT_TRUE(is_fingerprinted(file->path)) << file->path;
    EXPECT_FALSE(file->gzip.empty()) << file->path << " has no smaller gzip copy";
  }
  // Nothing inline: the server's Content-Security-Policy forbids inline scripts and styles.
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<style"), std::string::npos);
}

TEST(Bundle, HoldsTheIconAndTheWebAppManifest) {
  const StaticAssets assets(embedded_assets());
  EXPECT_NE(assets.find("favicon.svg"), nullptr);
  const EmbeddedAsset* manifest = assets.find("manifest.webmanifest");
  ASSERT_NE(manifest, nullptr);
  EXPECT_NE(manifest->data.find("\"icons\""), std::string_view::npos);
}

}  // namespace
}  // namespace fabomatic::web
