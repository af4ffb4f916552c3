#include "common/log_memory.hpp"

#include <gtest/gtest.h>

namespace fabomatic::log {
namespace {

TEST(LogMemory, KeepsTheLastLinesNumberedAndFiltered) {
  keep_recent(3);
  const auto start = recent().empty() ? 0 : recent().back().seq;
  set_level(Level::info);
  write(Level::debug, "test", "not printed, not kept");
  write(Level::info, "test", "one");
  write(Level::warning, "test", "two");
  write(Level::error, "other", "three");
  write(Level::info, "test", "four");
  const auto all = recent();
  ASSERT_EQ(all.size(), 3u);  // the oldest went
  EXPECT_EQ(all[0].message, "two");
  EXPECT_EQ(all[0].level, Level::warning);
  EXPECT_EQ(all[1].component, "other");
  EXPECT_EQ(all[2].seq, start + 4);
  EXPECT_GT(all[2].time, 1.7e9);
  // Only what came after a line already seen, and only the newest `max`.
  const auto after = recent(all[1].seq);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].message, "four");
  EXPECT_EQ(recent(0, 1).at(0).message, "four");
  EXPECT_TRUE(recent(all[2].seq).empty());
  const std::string line = format(all[1]);
  EXPECT_NE(line.find("ERROR other: three"), std::string::npos) << line;
  EXPECT_EQ(line[4], '-');
  keep_recent(2000);
}

// A client id or topic inside a message cannot start a forged line, send a terminal escape
// sequence or reorder what follows (journal, the portal's log page, the download).
TEST(LogMemory, ControlCharactersAreWrittenEscaped) {
  keep_recent(10);
  set_level(Level::info);
  write(Level::info, "broker",
        "closing x\n2026-01-01 00:00:00.000 ERROR db: forged\x1b[2J\x7f \u202egnp.exe\u2069 ok");
  EXPECT_EQ(recent().back().message,
            "closing x\\x0a2026-01-01 00:00:00.000 ERROR db: forged\\x1b[2J\\x7f "
            "\\u202egnp.exe\\u2069 ok");
  write(Level::info, "broker", "plain: caf\u00e9 \u2014 kept as it is");
  EXPECT_EQ(recent().back().message, "plain: caf\u00e9 \u2014 kept as it is");
  keep_recent(2000);
}

}  // namespace
}  // namespace fabomatic::log
