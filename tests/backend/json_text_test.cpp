// JSON strings under a byte budget, as board replies need them.
#include "backend/json_text.hpp"

#include <gtest/gtest.h>

namespace fabomatic::backend {
namespace {

TEST(JsonString, EscapesWhatJsonRequires) {
  std::string out;
  EXPECT_EQ(append_json_string(out, "a\"b\\c\n\t\x01\x7F"), 9u);
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001)"
                 "\x7F\"");
  EXPECT_EQ(json_escaped_size("a\"b\\c\n\t\x01\x7F"), out.size() - 2);
}

TEST(JsonString, KeepsUnicodeRawAndReplacesBadBytes) {
  std::string out;
  append_json_string(out, "Caf\xC3\xA9\xFF");
  EXPECT_EQ(out, "\"Caf\xC3\xA9\xEF\xBF\xBD\"");
  EXPECT_EQ(json_escaped_size("Caf\xC3\xA9\xFF"), 8u);
}

TEST(JsonString, CutsOnCharacterAndEscapeBoundaries) {
  std::string out;
  // "\"" costs 2: with room 3, a + \" fit, the next \" does not.
  EXPECT_EQ(append_json_string(out, "a\"\"", 3), 2u);
  EXPECT_EQ(out, R"("a\"")");
  out.clear();
  EXPECT_EQ(append_json_string(out, "a\x01", 5), 1u);  // \u0001 needs 6
  EXPECT_EQ(out, "\"a\"");
  out.clear();
  EXPECT_EQ(append_json_string(out, "\xE2\x82\xAC\xE2\x82\xAC", 5), 3u);  // one € of two
  EXPECT_EQ(out, "\"\xE2\x82\xAC\"");
  out.clear();
  EXPECT_EQ(append_json_string(out, "abc", 0), 0u);
  EXPECT_EQ(out, "\"\"");
}

}  // namespace
}  // namespace fabomatic::backend
