#pragma once

#include <chrono>

#include "throome/common/error.hpp"

namespace throome::router {

/// When and after how long a failed backend call is tried again: only idempotent operations,
/// only for failures of the backend itself (unavailable, timeout, overloaded), at most
/// `retries` times, never past the request's deadline; exponential backoff with full jitter.
struct RetryPolicy {
  int retries = 3;
  std::chrono::milliseconds base{10};
  std::chrono::milliseconds cap{1'000};

  /// Delay before retry number `retry` (1-based): uniform in [0, min(cap, base·2^(retry-1))],
  /// `unit_random` in [0, 1) picks the point.
  std::chrono::milliseconds backoff(int retry, double unit_random) const;

  /// @return true when attempt `attempts_made + 1` should happen after a failure `code`,
  ///         given the time left until the deadline and the delay it would wait first.
  bool should_retry(Errc code, bool idempotent, int attempts_made,
                    std::chrono::nanoseconds time_left, std::chrono::milliseconds delay) const;

  /// Failures that say "this backend could not serve it" (worth trying elsewhere/again).
  static bool retryable(Errc code) noexcept;
};

}  // namespace throome::router
