#include "throome/router/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "throome/router/backend_state.hpp"
#include "throome/router/retry_policy.hpp"

namespace throome::router {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Clock fn() {
    return [this] { return now; };
  }
};

TEST(CircuitBreaker, OpensAfterThresholdHalfOpensAfterTimeoutAndClosesOnSuccess) {
  FakeClock clock;
  CircuitBreaker b({.enabled = true, .failure_threshold = 3, .reset_timeout = 10s}, clock.fn());
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  b.on_failure();
  b.on_failure();
  b.on_success();  // a success resets the count
  b.on_failure();
  b.on_failure();
  EXPECT_TRUE(b.allow());
  b.on_failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
  EXPECT_FALSE(b.allow());
  clock.now += 9s;
  EXPECT_FALSE(b.allow());
  clock.now += 1s;
  EXPECT_EQ(b.state(), CircuitBreaker::State::half_open);
  EXPECT_TRUE(b.would_allow());
  EXPECT_TRUE(b.allow()) << "one trial request";
  EXPECT_FALSE(b.allow()) << "only one at a time";
  EXPECT_FALSE(b.would_allow());
  b.on_success();
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  EXPECT_TRUE(b.allow());
}

TEST(CircuitBreaker, FailedTrialReopensForAnotherTimeout) {
  FakeClock clock;
  CircuitBreaker b({.enabled = true, .failure_threshold = 1, .reset_timeout = 5s}, clock.fn());
  b.on_failure();
  clock.now += 5s;
  ASSERT_TRUE(b.allow());
  b.on_failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
  clock.now += 4s;
  EXPECT_FALSE(b.allow());
  clock.now += 1s;
  EXPECT_TRUE(b.allow());
}

TEST(CircuitBreaker, DisabledNeverOpens) {
  CircuitBreaker b({.enabled = false, .failure_threshold = 1, .reset_timeout = 5s});
  for (int i = 0; i < 10; ++i) b.on_failure();
  EXPECT_TRUE(b.allow());
}

TEST(HealthTracker, ThresholdFailuresMarkDownOneSuccessMarksUp) {
  HealthTracker h({.threshold = 3});
  EXPECT_TRUE(h.healthy());
  h.on_failure("refused");
  h.on_failure("refused");
  EXPECT_TRUE(h.healthy());
  h.on_failure("timeout");
  EXPECT_FALSE(h.healthy());
  EXPECT_EQ(h.last_error(), "timeout");
  EXPECT_EQ(h.consecutive_failures(), 3);
  h.on_success();
  EXPECT_TRUE(h.healthy());
  EXPECT_EQ(h.last_error(), "");
}

TEST(BackendState, TracksInFlightAndTheLatencyModel) {
  BackendState s("b", 1, {.enabled = true, .failure_threshold = 2, .reset_timeout = 1s},
                 {.threshold = 2});
  s.begin();
  s.begin();
  EXPECT_EQ(s.in_flight(), 2u);
  s.end(true, 10ms);
  EXPECT_EQ(s.in_flight(), 1u);
  EXPECT_DOUBLE_EQ(s.model().latency_s, 0.010);
  s.end(false, 20ms);
  auto m = s.model();
  EXPECT_NEAR(m.latency_s, 0.010 + BackendState::kAlpha * 0.010, 1e-12);
  EXPECT_NEAR(m.error_rate, BackendState::kAlpha, 1e-12);
  EXPECT_EQ(m.observations, 2u);
  s.begin();
  s.end(false, 1ms);
  EXPECT_FALSE(s.available()) << "two consecutive failures: breaker open and marked down";
}

TEST(RetryPolicy, BackoffIsBoundedExponentialWithJitter) {
  RetryPolicy p{.retries = 3, .base = 10ms, .cap = 100ms};
  EXPECT_EQ(p.backoff(1, 0.999), 9ms);
  EXPECT_EQ(p.backoff(2, 0.999), 19ms);
  EXPECT_EQ(p.backoff(3, 0.5), 20ms);
  EXPECT_EQ(p.backoff(10, 0.999), 99ms) << "capped";
  EXPECT_EQ(p.backoff(1, 0.0), 0ms);
}

TEST(RetryPolicy, OnlyIdempotentBackendFailuresWithinAttemptsAndDeadline) {
  RetryPolicy p{.retries = 2, .base = 10ms, .cap = 100ms};
  EXPECT_TRUE(p.should_retry(Errc::backend_unavailable, true, 1, 1s, 10ms));
  EXPECT_TRUE(p.should_retry(Errc::timeout, true, 2, 1s, 10ms));
  EXPECT_FALSE(p.should_retry(Errc::timeout, true, 3, 1s, 10ms)) << "1 + 2 retries used";
  EXPECT_FALSE(p.should_retry(Errc::backend_unavailable, false, 1, 1s, 10ms)) << "not idempotent";
  EXPECT_FALSE(p.should_retry(Errc::backend_error, true, 1, 1s, 10ms)) << "the backend answered";
  EXPECT_FALSE(p.should_retry(Errc::bad_request, true, 1, 1s, 10ms));
  EXPECT_FALSE(p.should_retry(Errc::backend_unavailable, true, 1, 5ms, 10ms)) << "past deadline";
}

}  // namespace
}  // namespace throome::router
