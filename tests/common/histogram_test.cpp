// The buckets /metrics reports: an observation lands in the first bucket whose bound it does not
// exceed (a bound is inclusive, as Prometheus's `le`), and above the last bound in one more.
#include "common/histogram.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace fabomatic {
namespace {

constexpr double kBounds[] = {0.001, 0.01, 0.1};

std::vector<std::uint64_t> counts(const Histogram<3>& h) {
  return {h.counts().begin(), h.counts().end()};
}

TEST(HistogramTest, ABoundIsInclusiveAndAboveTheLastHasABucketOfItsOwn) {
  Histogram<3> h(kBounds);
  h.record(0.001);  // at the bound: the first bucket
  h.record(0.0011);
  h.record(0.1);
  h.record(5);
  h.record(0);
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{2, 1, 1, 1}));
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.001 + 0.0011 + 0.1 + 5);
  EXPECT_EQ(h.bounds().size(), 3u);
}

TEST(HistogramTest, StartsEmpty) {
  const Histogram<3> h(kBounds);
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{0, 0, 0, 0}));
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0.0);
}

}  // namespace
}  // namespace fabomatic
