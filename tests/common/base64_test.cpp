// The one base64 of the program (password hashes, WebSocket keys, e-mail bodies).
#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fabomatic::base64 {
namespace {

TEST(Base64, EncodesTheRfc4648TestVectors) {  // RFC 4648 section 10
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg==");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, RoundTripsEveryLength) {
  for (std::string bytes : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10zz"}) {
    EXPECT_EQ(decode(encode(bytes)), bytes);
  }
  std::string all;
  for (int byte = 0; byte < 256; ++byte)
    all.push_back(static_cast<char>(byte));
  EXPECT_EQ(decode(encode(all)), all);
}

TEST(Base64, DecodesWithoutPadding) {
  EXPECT_EQ(decode("Zm8"), "fo");
  EXPECT_EQ(decode("Zg"), "f");
}

TEST(Base64, RefusesWhatIsNotBase64) {
  EXPECT_EQ(decode("ab!c"), std::nullopt);    // outside the alphabet
  EXPECT_EQ(decode("ab=c"), std::nullopt);    // data after padding
  EXPECT_EQ(decode("a==="), std::nullopt);    // three '='
  EXPECT_EQ(decode("Zm8=="), std::nullopt);   // padding past a group
  EXPECT_EQ(decode("Zm9v\n"), std::nullopt);  // no line breaks
  EXPECT_EQ(decode("-_"), std::nullopt);      // the URL-safe alphabet is another
}

}  // namespace
}  // namespace fabomatic::base64
