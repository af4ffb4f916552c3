#include "backend/text.hpp"

#include <gtest/gtest.h>

namespace fabomatic::backend {
namespace {

TEST(Utf8, SequenceLengthOfWellFormedCharacters) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);          // é
  EXPECT_EQ(utf8_sequence_length("\xE2\x82\xAC", 0), 3u);      // €
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);  // 😀
  EXPECT_EQ(utf8_sequence_length("\xF4\x8F\xBF\xBF", 0), 4u);  // U+10FFFF
}

TEST(Utf8, SequenceLengthRejectsIllFormedBytes) {
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);              // stray continuation
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF", 0), 0u);          // overlong '/'
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\xAF", 0), 0u);      // overlong 3 bytes
  EXPECT_EQ(utf8_sequence_length("\xF0\x80\x80\xAF", 0), 0u);  // overlong 4 bytes
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0u);      // surrogate U+D800
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u);  // U+110000
  EXPECT_EQ(utf8_sequence_length("\xF8\x88\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x82", 0), 0u);  // truncated
  EXPECT_EQ(utf8_sequence_length("\xE2\x41\x41", 0), 0u);
}

TEST(Utf8, Validity) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Città 😀"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(is_valid_utf8("abc\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
}

TEST(Utf8, PrefixNeverSplitsACharacter) {
  const std::string text = "ab\xC3\xA9\xE2\x82\xAC";  // a b é €  (7 bytes)
  EXPECT_EQ(utf8_prefix(text, 100), text);
  EXPECT_EQ(utf8_prefix(text, 7), text);
  EXPECT_EQ(utf8_prefix(text, 6), "ab\xC3\xA9");
  EXPECT_EQ(utf8_prefix(text, 5), "ab\xC3\xA9");
  EXPECT_EQ(utf8_prefix(text, 4), "ab\xC3\xA9");
  EXPECT_EQ(utf8_prefix(text, 3), "ab");
  EXPECT_EQ(utf8_prefix(text, 0), "");
}

TEST(Utf8, PrefixCountsIllFormedBytesOneByOne) {
  EXPECT_EQ(utf8_prefix("a\xFF\xFE", 2), "a\xFF");
}

TEST(Utf8, SanitizeReplacesEachBadByte) {
  EXPECT_EQ(sanitize_utf8("ok"), "ok");
  EXPECT_EQ(sanitize_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitize_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Text, AsciiLowercaseLeavesOtherBytes) {
  EXPECT_EQ(ascii_lowercase("AABBCCD1"), "aabbccd1");
  EXPECT_EQ(ascii_lowercase("\xC3\x89Z"), "\xC3\x89z");  // É stays, Z lowers
}

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

TEST(Excerpt, ShowsUnprintableBytesAsHex) {
  EXPECT_EQ(printable_excerpt("ok {}"), "ok {}");
  EXPECT_EQ(printable_excerpt("a\n\xFF\\"), "a\\x0a\\xff\\x5c");
  EXPECT_EQ(printable_excerpt("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace fabomatic::backend
