#include "throome/router/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace throome::router {

std::chrono::milliseconds RetryPolicy::backoff(int retry, double unit_random) const {
  const int exponent = std::clamp(retry - 1, 0, 30);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::ldexp(1.0, exponent));
  const double u = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(ceiling * u)));
}

bool RetryPolicy::retryable(Errc code) noexcept {
  return code == Errc::backend_unavailable || code == Errc::timeout || code == Errc::overloaded;
}

bool RetryPolicy::should_retry(Errc code, bool idempotent, int attempts_made,
                               std::chrono::nanoseconds time_left,
                               std::chrono::milliseconds delay) const {
  if (!idempotent || !retryable(code)) return false;
  if (attempts_made > retries) return false;  // attempts = 1 + retries
  // Waiting and trying again must still fit before the deadline.
  return time_left > std::chrono::duration_cast<std::chrono::nanoseconds>(delay);
}

}  // namespace throome::router
