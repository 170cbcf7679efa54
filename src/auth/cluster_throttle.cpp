#include "throome/auth/cluster_throttle.hpp"

namespace throome::auth {

ClusterThrottle::ClusterThrottle(const config::LimitsConfig& limits)
    : max_in_flight_(limits.max_in_flight) {
  if (limits.requests_per_second > 0) rate_.emplace(limits.requests_per_second, limits.burst);
}

bool ClusterThrottle::enter() noexcept {
  if (max_in_flight_ <= 0) return true;
  if (in_flight_.fetch_add(1, std::memory_order_acq_rel) >= max_in_flight_) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  return true;
}

void ClusterThrottle::release() noexcept {
  if (max_in_flight_ > 0) in_flight_.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace throome::auth
