#include "common/typed_code.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

using namespace fabomatic;

TEST(TypedCode, OneCharacterPerByteFromTheLowFiveBitsInDashedGroups) {
  const std::array<unsigned char, 9> random{0, 1, 31, 32, 0xFF, 10, 17, 18, 26};
  // 32 and 0xFF keep their low 5 bits (0 and 31); 17 is H, 18 is J (no I), 26 is T.
  EXPECT_EQ(typed_code::format(random, 4), "01Z0-ZAHJ-T");
  EXPECT_EQ(typed_code::format(random, 3), "01Z-0ZA-HJT");
}

TEST(TypedCode, EveryByteGivesOneOfTheThirtyTwoUnambiguousCharacters) {
  std::array<unsigned char, 256> all{};
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<unsigned char>(i);
  const std::string code = typed_code::format(all, 256);
  const std::set<char> seen(code.begin(), code.end());
  EXPECT_EQ(seen.size(), 32u);
  for (char c : "ILOU")
    EXPECT_EQ(seen.count(c), 0u) << c;
}

TEST(TypedCode, WhatAPersonTypesReadsBackAsWritten) {
  const std::array<unsigned char, 8> random{3, 14, 15, 92, 65, 35, 89, 79};
  const std::string code = typed_code::format(random, 4);
  const std::string plain = typed_code::normalize(code);
  EXPECT_EQ(plain.size(), 8u);
  std::string lower;
  for (char c : code)
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  EXPECT_EQ(typed_code::normalize(lower), plain);
  EXPECT_EQ(typed_code::normalize(" 7kq2 mxh9\t"), "7KQ2MXH9");
  EXPECT_EQ(typed_code::normalize("o-I-l-O"), "0110");
}
