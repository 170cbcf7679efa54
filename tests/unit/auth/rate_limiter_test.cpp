#include "throome/auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "throome/auth/cluster_throttle.hpp"

namespace throome::auth {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsABurstThenTheRate) {
  RateLimiter limiter(10, 3);  // 10/s, 3 at once
  const Clock::time_point t0{std::chrono::seconds(1000)};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.acquire(t0).allowed) << i;
  auto refused = limiter.acquire(t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token refills in 1/10 s
  EXPECT_FALSE(limiter.acquire(t0 + 99ms).allowed);
  EXPECT_TRUE(limiter.acquire(t0 + 100ms).allowed);
  EXPECT_FALSE(limiter.acquire(t0 + 100ms).allowed);
  // After a long pause the bucket is full again, but not fuller than the burst.
  const auto later = t0 + 10s;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.acquire(later).allowed) << i;
  EXPECT_FALSE(limiter.acquire(later).allowed);
}

TEST(RateLimiter, SlowRatesWaitWholeSeconds) {
  RateLimiter limiter(0.5, 1);  // one request every 2 s
  const Clock::time_point t0{std::chrono::seconds(50)};
  EXPECT_TRUE(limiter.acquire(t0).allowed);
  auto refused = limiter.acquire(t0 + 500ms);
  ASSERT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1500ms);
  EXPECT_EQ(RateLimiter::retry_after_seconds(refused.retry_after), 2);
  EXPECT_EQ(RateLimiter::retry_after_seconds(1ns), 1);
  EXPECT_TRUE(limiter.acquire(t0 + 2s).allowed);
}

TEST(RateLimiter, DefaultBurstIsTheRate) {
  RateLimiter limiter(4.5, 0);
  EXPECT_EQ(limiter.burst(), 5);
  const Clock::time_point t0{std::chrono::seconds(7)};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.acquire(t0).allowed);
  EXPECT_FALSE(limiter.acquire(t0).allowed);
}

TEST(RateLimiter, ConcurrentCallersNeverExceedTheBurst) {
  RateLimiter limiter(1, 1000);  // the clock stands still: exactly 1000 tokens
  const Clock::time_point t0{std::chrono::seconds(5)};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.acquire(t0).allowed) allowed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
}

TEST(ClusterThrottle, CapsRequestsInFlight) {
  config::LimitsConfig capped;
  capped.max_in_flight = 2;
  ClusterThrottle throttle(capped);
  EXPECT_EQ(throttle.rate(), nullptr);
  EXPECT_TRUE(throttle.enter());
  EXPECT_TRUE(throttle.enter());
  EXPECT_FALSE(throttle.enter());
  EXPECT_EQ(throttle.in_flight(), 2);
  throttle.release();
  EXPECT_TRUE(throttle.enter());
  throttle.release();
  throttle.release();
  EXPECT_EQ(throttle.in_flight(), 0);
  ClusterThrottle unlimited(config::LimitsConfig{});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.enter());
}

}  // namespace
}  // namespace throome::auth
