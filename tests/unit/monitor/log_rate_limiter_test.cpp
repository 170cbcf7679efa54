// monitor::LogRateLimiter: identical lines at most once per window, with a count of the rest.
#include "throome/monitor/log_rate_limiter.hpp"

#include <gtest/gtest.h>

namespace throome::monitor {
namespace {

using std::chrono::seconds;

TEST(LogRateLimiter, IdenticalLinesOncePerWindowThenTheCount) {
  LogRateLimiter limiter(seconds(10));
  const LogRateLimiter::Clock::time_point t0{};
  EXPECT_EQ(limiter.admit("redis shop/cache: connection lost", t0), 0u);
  EXPECT_FALSE(limiter.admit("redis shop/cache: connection lost", t0 + seconds(1)));
  EXPECT_FALSE(limiter.admit("redis shop/cache: connection lost", t0 + seconds(9)));
  // Another line is independent.
  EXPECT_EQ(limiter.admit("redis blog/cache: connection lost", t0 + seconds(9)), 0u);
  // After the window: through again, saying how many were held back.
  EXPECT_EQ(limiter.admit("redis shop/cache: connection lost", t0 + seconds(10)), 2u);
  EXPECT_FALSE(limiter.admit("redis shop/cache: connection lost", t0 + seconds(11)));
  EXPECT_EQ(limiter.admit("redis shop/cache: connection lost", t0 + seconds(30)), 1u);
}

TEST(LogRateLimiter, MemoryIsBounded) {
  LogRateLimiter limiter(seconds(10), 4);
  const LogRateLimiter::Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.admit("line " + std::to_string(i), t0), 0u);
  }
  // Still works after the table was trimmed.
  EXPECT_FALSE(limiter.admit("line 99", t0 + seconds(1)));
}

}  // namespace
}  // namespace throome::monitor
