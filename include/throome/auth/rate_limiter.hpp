#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace throome::auth {

/// A token bucket (as the generic cell rate algorithm): `rate` requests per second sustained,
/// up to `burst` at once. Lock-free: one atomic compare-and-swap per admitted request, so it
/// sits on the hot path of every IO thread without a mutex. The caller passes the time, so
/// tests drive it with a fake clock.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `requests_per_second` > 0; `burst` >= 1 (0 picks max(1, ceil(requests_per_second))).
  RateLimiter(double requests_per_second, int burst);

  struct Decision {
    bool allowed = false;
    std::chrono::nanoseconds retry_after{0};  // when refused: until one request fits again
  };

  /// Takes one token at `now`, or says how long until one is available. Thread-safe.
  Decision acquire(Clock::time_point now) noexcept;

  /// Retry-After in whole seconds for a refusal (at least 1).
  static std::int64_t retry_after_seconds(std::chrono::nanoseconds wait) noexcept;

  double rate() const noexcept { return rate_; }
  int burst() const noexcept { return burst_; }

 private:
  double rate_;
  int burst_;
  std::int64_t interval_ns_;   // time one token takes to refill
  std::int64_t tolerance_ns_;  // (burst - 1) intervals: how far ahead requests may run
  // Theoretical arrival time of the next request, ns since the clock's epoch.
  std::atomic<std::int64_t> tat_{std::numeric_limits<std::int64_t>::min() / 2};
};

}  // namespace throome::auth
