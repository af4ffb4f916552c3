// MQTT 3.1.1 section 1.5.3: UTF-8 encoded strings.
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string>

using fabomatic::text::check_utf8;
using fabomatic::text::Utf8Status;

TEST(Utf8, AcceptsAsciiAndMultibyte) {
  EXPECT_EQ(check_utf8(""), Utf8Status::valid);
  EXPECT_EQ(check_utf8("machine/7/reply"), Utf8Status::valid);
  EXPECT_EQ(check_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), Utf8Status::valid);
  EXPECT_EQ(check_utf8("\xEF\xBB\xBF"), Utf8Status::valid);  // BOM is allowed (MQTT-1.5.3-3)
}

TEST(Utf8, MQTT_1_5_3_1_RejectsIllFormedAndSurrogates) {
  EXPECT_EQ(check_utf8("\xC3"), Utf8Status::invalid);              // truncated sequence
  EXPECT_EQ(check_utf8("\x80"), Utf8Status::invalid);              // lone continuation
  EXPECT_EQ(check_utf8("\xC0\xAF"), Utf8Status::invalid);          // overlong '/'
  EXPECT_EQ(check_utf8("\xE0\x80\xAF"), Utf8Status::invalid);      // overlong 3-byte
  EXPECT_EQ(check_utf8("\xED\xA0\x80"), Utf8Status::invalid);      // U+D800 surrogate
  EXPECT_EQ(check_utf8("\xF4\x90\x80\x80"), Utf8Status::invalid);  // above U+10FFFF
  EXPECT_EQ(check_utf8("\xFF"), Utf8Status::invalid);
}

TEST(Utf8, MQTT_1_5_3_2_RejectsNullCharacter) {
  EXPECT_EQ(check_utf8(std::string("a\0b", 3)), Utf8Status::null_char);
}
