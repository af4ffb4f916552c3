// Text helpers shared by every folder: UTF-8 validity and boundaries, ASCII case, excerpts.
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fabomatic::text {
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
TEST(Text, ControlCharactersAreC0AndDelOnly) {
  for (int c = 0; c < 256; ++c) {
    const bool expected = c < 0x20 || c == 0x7F;
    EXPECT_EQ(text::is_control(static_cast<char>(c)), expected) << c;
  }
}

TEST(Text, CaseInsensitiveComparisonIsAsciiOnly) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_FALSE(iequals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII, not folded
  EXPECT_TRUE(iless("apple", "Banana"));
  EXPECT_FALSE(iless("Banana", "apple"));
  EXPECT_FALSE(iless("A", "a"));
  EXPECT_FALSE(iless("a", "A"));
}

TEST(Utf8, LengthCountsCharactersNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("Citt\xC3\xA0 \xF0\x9F\x98\x80"), 7u);  // C i t t à space 😀
}

TEST(Utf8, CheckTellsNullCharactersApart) {
  EXPECT_EQ(check_utf8("caf\xC3\xA9"), Utf8Status::valid);
  EXPECT_EQ(check_utf8(std::string("a\0b", 3)), Utf8Status::null_char);
  EXPECT_EQ(check_utf8(std::string("\xFF\0", 2)), Utf8Status::invalid);
}

TEST(Excerpt, ShowsUnprintableBytesAsHex) {
  EXPECT_EQ(printable_excerpt("ok {}"), "ok {}");
  EXPECT_EQ(printable_excerpt("a\n\xFF\\"), "a\\x0a\\xff\\x5c");
  EXPECT_EQ(printable_excerpt("abcdef", 3), "abc...");
}

TEST(Trim, RemovesSpacesTabsAndLineEndsAtBothEndsOnly) {
  EXPECT_EQ(trim(" \t key = a b \r\n"), "key = a b");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Trim, SpacesAlsoRemovesUnicodeSpaceSeparators) {
  const std::string nbsp = "\xC2\xA0";
  EXPECT_EQ(trim_spaces(nbsp), "");  // pasted from a web page: looks empty, is empty
  EXPECT_EQ(trim_spaces(nbsp + " Laser\xE2\x80\xAF" + "cutter\xE3\x80\x80\t"),
            "Laser\xE2\x80\xAF"
            "cutter");  // a narrow no-break space inside stays
  EXPECT_EQ(trim_spaces("\xE2\x80\x80\xE2\x80\x8A\xE1\x9A\x80\xE2\x81\x9F"), "");
  // Not spaces: U+200B (zero width) is a format character, U+00E0 shares no byte pattern.
  EXPECT_EQ(trim_spaces("\xE2\x80\x8Bx"), "\xE2\x80\x8Bx");
  EXPECT_EQ(trim_spaces("caff\xC3\xA0"), "caff\xC3\xA0");
  EXPECT_EQ(trim_spaces("\xA0"), "\xA0");  // a lone continuation byte is no space
  EXPECT_EQ(trim_spaces(""), "");
}

TEST(Text, FormatControlsThatHideOrReorderTextAreFound) {
  EXPECT_FALSE(has_format_control("Laser cutter \xC3\xA9\xE2\x82\xAC \xF0\x9F\x98\x80", false));
  EXPECT_FALSE(has_format_control("", false));
  EXPECT_TRUE(
      has_format_control("a\xC2\x85"
                         "b",
                         true));  // U+0085, a C1 control
  EXPECT_FALSE(
      has_format_control("a\xC2\xA0"
                         "b",
                         false));  // U+00A0 is a letter's space
  EXPECT_TRUE(
      has_format_control("a\xE2\x80\xA8"
                         "b",
                         false));  // U+2028 on one line
  EXPECT_FALSE(
      has_format_control("a\xE2\x80\xA8"
                         "b",
                         true));  // ... where lines may break
  EXPECT_TRUE(
      has_format_control("\xE2\x80\xAE"
                         "txt.exe",
                         true));  // U+202E override
  EXPECT_TRUE(
      has_format_control("x\xE2\x81\xA6"
                         "y",
                         true));  // U+2066 isolate
  EXPECT_TRUE(
      has_format_control("\xEF\xBB\xBF"
                         "admins",
                         true));                            // U+FEFF
  EXPECT_FALSE(has_format_control("\xE2\x80\x8D", false));  // U+200D joins emoji: kept
}

}  // namespace
}  // namespace fabomatic::text
