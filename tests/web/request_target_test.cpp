#include "web/http/request_target.hpp"

#include <gtest/gtest.h>

namespace fabomatic::web {
namespace {

using Segments = std::vector<std::string>;

TEST(RequestTarget, SplitsAndDecodesPath) {
  const auto result = parse_target("/api/v1/machines/caf%C3%A9%20x");
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.target.segments, (Segments{"api", "v1", "machines", "caf\xC3\xA9 x"}));
  EXPECT_EQ(result.target.path, "/api/v1/machines/caf\xC3\xA9 x");
  EXPECT_TRUE(result.target.query.empty());
}

TEST(RequestTarget, RootAndTrailingSlash) {
  EXPECT_EQ(parse_target("/").target.segments, Segments{});
  EXPECT_EQ(parse_target("/a/").target.segments, (Segments{"a", ""}));
  EXPECT_EQ(parse_target("/a//b").target.segments, (Segments{"a", "", "b"}));
}

TEST(RequestTarget, ParsesQuery) {
  const auto result = parse_target("/x?sort=name&filter=a+b&filter=%C3%A9&flag&empty=&&k%3D=v%26");
  ASSERT_EQ(result.status, 0);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"sort", "name"}, {"filter", "a b"}, {"filter", "\xC3\xA9"},
      {"flag", ""},     {"empty", ""},     {"k=", "v&"}};
  EXPECT_EQ(result.target.query, expected);
}

TEST(RequestTarget, PlusIsLiteralInPath) {
  EXPECT_EQ(parse_target("/a+b").target.segments, Segments{"a+b"});
}

TEST(RequestTarget, RefusesDotSegmentsAndSmuggledSeparators) {
  for (const char* target :
       {"/../etc/passwd", "/a/../b", "/./index.html", "/index.html/..", "/%2e%2e/style.css",
        "/%2E%2E/x", "/.%2e/x", "/a%2fb", "/a%2Fb", "/..%2f..%2fetc%2fpasswd", "/a%5cb", "/a\\b",
        "/style.css%00", "/%2e"}) {
    EXPECT_EQ(parse_target(target).status, 404) << target;
  }
}

TEST(RequestTarget, RefusesMalformedTargets) {
  for (const char* target : {"", "*", "http://example.org/x", "/%zz", "/%4", "/a%", "/x?a=%g0"}) {
    EXPECT_EQ(parse_target(target).status, 400) << target;
  }
}

TEST(RequestTarget, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("%", false), std::nullopt);
  EXPECT_EQ(percent_decode("%0", false), std::nullopt);
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

}  // namespace
}  // namespace fabomatic::web
