#include "web/auth/tokens.hpp"

#include <gtest/gtest.h>

#include <set>

#include "web/auth/csrf.hpp"

namespace fabomatic::web {
namespace {

TEST(AuthTokens, RandomTokensAreBase64UrlAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto token = random_token();
    ASSERT_EQ(token.size(), 43u);  // 32 bytes, unpadded
    ASSERT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_"),
              std::string::npos)
        << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(random_token(16).size(), 22u);
}

TEST(AuthTokens, DigestIsSha256Hex) {
  EXPECT_EQ(token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AuthTokens, ConstantTimeEquality) {
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
  EXPECT_FALSE(equal_constant_time("", "a"));
  EXPECT_TRUE(equal_constant_time("", ""));
}

TEST(Csrf, StateChangingMethods) {
  EXPECT_FALSE(is_state_changing(Method::get));
  EXPECT_FALSE(is_state_changing(Method::head));
  EXPECT_FALSE(is_state_changing(Method::options));
  for (auto method : {Method::post, Method::put, Method::patch, Method::delete_, Method::other})
    EXPECT_TRUE(is_state_changing(method)) << to_string(method);
}

TEST(Csrf, TokenMustMatchExactly) {
  const auto token = new_csrf_token();
  Request request;
  EXPECT_FALSE(csrf_token_valid(request, token));
  request.headers.set("x-csrf-token", token);  // header names are case-insensitive
  EXPECT_TRUE(csrf_token_valid(request, token));
  request.headers.set("X-CSRF-Token", token + " ");
  EXPECT_FALSE(csrf_token_valid(request, token));
  request.headers.set("X-CSRF-Token", "");
  EXPECT_FALSE(csrf_token_valid(request, ""));  // a session never has an empty token
}

}  // namespace
}  // namespace fabomatic::web
