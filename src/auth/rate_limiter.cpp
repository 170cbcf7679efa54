#include "throome/auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace throome::auth {

RateLimiter::RateLimiter(double requests_per_second, int burst)
    : rate_(requests_per_second > 0 ? requests_per_second : 1.0),
      burst_(burst > 0 ? burst : std::max(1, static_cast<int>(std::ceil(rate_)))),
      interval_ns_(std::max<std::int64_t>(1, static_cast<std::int64_t>(1e9 / rate_))),
      tolerance_ns_(interval_ns_ * (burst_ - 1)) {}

RateLimiter::Decision RateLimiter::acquire(Clock::time_point now) noexcept {
  const std::int64_t t =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::int64_t tat = tat_.load(std::memory_order_relaxed);
  while (true) {
    const std::int64_t start = std::max(tat, t);
    const std::int64_t ahead = start - t;
    if (ahead > tolerance_ns_) {
      return {false, std::chrono::nanoseconds(ahead - tolerance_ns_)};
    }
    if (tat_.compare_exchange_weak(tat, start + interval_ns_, std::memory_order_relaxed)) {
      return {true, std::chrono::nanoseconds(0)};
    }
  }
}

std::int64_t RateLimiter::retry_after_seconds(std::chrono::nanoseconds wait) noexcept {
  const auto s = std::chrono::ceil<std::chrono::seconds>(wait).count();
  return std::max<std::int64_t>(1, s);
}

}  // namespace throome::auth
