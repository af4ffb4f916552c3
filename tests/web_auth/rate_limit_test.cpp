#include "web/auth/rate_limit.hpp"

#include <gtest/gtest.h>

namespace fabomatic::web {
namespace {

using namespace std::chrono_literals;
using Clock = FailureLimiter::Clock;

TEST(FailureLimiter, BlocksAfterTheLimitUntilTheOldestFailureLeavesTheWindow) {
  FailureLimiter limiter(3, 15min, 100);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.record_failure("a", t0);
  limiter.record_failure("a", t0 + 1min);
  EXPECT_FALSE(limiter.blocked("a", t0 + 2min));
  limiter.record_failure("a", t0 + 2min);
  const auto retry = limiter.blocked("a", t0 + 2min);
  ASSERT_TRUE(retry);
  EXPECT_EQ(*retry, 13min);  // the first failure leaves the window at t0 + 15 min
  EXPECT_TRUE(limiter.blocked("a", t0 + 15min - 1s));
  EXPECT_FALSE(limiter.blocked("a", t0 + 15min));  // two failures left in the window
  EXPECT_FALSE(limiter.blocked("b", t0 + 2min));   // keys are independent
}

TEST(FailureLimiter, RetryAfterIsRoundedUpToWholeSeconds) {
  FailureLimiter limiter(1, 10s, 10);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.record_failure("a", t0);
  EXPECT_EQ(limiter.blocked("a", t0 + 9500ms), 1s);
  EXPECT_EQ(limiter.blocked("a", t0 + 100ms), 10s);
}

TEST(FailureLimiter, ResetForgetsTheKey) {
  FailureLimiter limiter(2, 1min, 10);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.record_failure("a", t0);
  limiter.record_failure("a", t0);
  ASSERT_TRUE(limiter.blocked("a", t0));
  limiter.reset("a");
  EXPECT_FALSE(limiter.blocked("a", t0));
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(FailureLimiter, TracksAtMostMaxKeysForgettingTheLeastRecentlyFailed) {
  FailureLimiter limiter(1, 1h, 3);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.record_failure("old", t0);
  limiter.record_failure("b", t0 + 1s);
  limiter.record_failure("c", t0 + 2s);
  limiter.record_failure("old", t0 + 3s);  // "old" failed again: now the most recent
  for (int i = 0; i < 1000; ++i)
    limiter.record_failure("spray" + std::to_string(i), t0 + 4s);
  EXPECT_LE(limiter.size(), 3u);
  FailureLimiter small(1, 1h, 3);
  small.record_failure("x", t0);
  small.record_failure("y", t0 + 1s);
  small.record_failure("x", t0 + 2s);
  small.record_failure("z", t0 + 3s);
  small.record_failure("w", t0 + 4s);  // evicts "y", the least recently failed
  EXPECT_TRUE(small.blocked("x", t0 + 5s));
  EXPECT_FALSE(small.blocked("y", t0 + 5s));
  EXPECT_TRUE(small.blocked("w", t0 + 5s));
}

TEST(FailureLimiter, KeysWhoseFailuresExpiredAreDropped) {
  FailureLimiter limiter(2, 1min, 10);
  const auto t0 = Clock::time_point{} + 1h;
  limiter.record_failure("a", t0);
  EXPECT_EQ(limiter.size(), 1u);
  EXPECT_FALSE(limiter.blocked("a", t0 + 2min));
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace fabomatic::web
