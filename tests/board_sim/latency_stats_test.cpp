#include "tools/board-sim/latency_stats.hpp"

#include <gtest/gtest.h>

namespace fabomatic::board_sim {
namespace {

TEST(LatencyStats, NearestRankPercentiles) {
  std::vector<std::uint32_t> samples;
  for (std::uint32_t i = 100; i >= 1; --i)
    samples.push_back(i);  // unsorted on purpose
  const auto s = summarize(samples);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50, 50u);
  EXPECT_EQ(s.p90, 90u);
  EXPECT_EQ(s.p99, 99u);
  EXPECT_EQ(s.max, 100u);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(LatencyStats, SmallAndEmptySets) {
  std::vector<std::uint32_t> none;
  EXPECT_EQ(summarize(none).count, 0u);
  EXPECT_EQ(percentile(none, 99), 0u);
  std::vector<std::uint32_t> one = {42};
  const auto s = summarize(one);
  EXPECT_EQ(s.p50, 42u);
  EXPECT_EQ(s.p99, 42u);
  std::vector<std::uint32_t> three = {1, 2, 1000};
  EXPECT_EQ(summarize(three).p50, 2u);
  EXPECT_EQ(percentile(three, 99), 1000u);
  EXPECT_EQ(percentile(three, 33), 1u);
}

TEST(LatencyStats, JsonFields) {
  std::vector<std::uint32_t> samples = {10, 20};
  EXPECT_EQ(json_fields(summarize(samples)),
            R"("p50_us":10,"p90_us":20,"p99_us":20,"max_us":20,"mean_us":15.0)");
}

}  // namespace
}  // namespace fabomatic::board_sim
