#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "throome/auth/rate_limiter.hpp"
#include "throome/config/cluster_config.hpp"
#include "throome/http/guard.hpp"

namespace throome::auth {

/// A cluster's admission limits (`limits:` in its YAML): a request rate and a cap on
/// concurrent data-plane requests. Lock-free; shared by every IO thread.
class ClusterThrottle final : public http::Pass::Slot {
 public:
  explicit ClusterThrottle(const config::LimitsConfig& limits);

  /// The rate limiter, or nullptr when the cluster has no rate limit.
  RateLimiter* rate() noexcept { return rate_ ? &*rate_ : nullptr; }

  /// Takes an in-flight slot. @return false when max_in_flight requests already run.
  bool enter() noexcept;
  /// Gives a slot back (the Pass of an admitted request calls it).
  void release() noexcept override;
  /// Requests running now (only counted when max_in_flight is set).
  int in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  int max_in_flight() const noexcept { return max_in_flight_; }

 private:
  std::optional<RateLimiter> rate_;
  int max_in_flight_;
  std::atomic<int> in_flight_{0};
};

}  // namespace throome::auth
