#pragma once

#include <functional>
#include <memory>

#include "throome/auth/key_ring.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/http/guard.hpp"

namespace throome::auth {

struct GuardOptions {
  bool auth_enabled = false;          // auth.enabled: every non-open route needs a key
  bool metrics_require_auth = false;  // monitoring.require_auth
};

/// Why a key may not run a route, or nullopt when it may. Sans-io: the whole role table.
/// `cluster_id` is the route's {id} ("" when the route has none).
std::optional<Error> authorize(const Key& key, http::Access access, std::string_view cluster_id);

/// The gateway's http::Guard: API key authentication (401), the role table (403), the key's
/// and the cluster's token buckets (429) and the cluster's in-flight cap (503). Lock-free.
class AccessGuard final : public http::Guard {
 public:
  using Clock = std::function<RateLimiter::Clock::time_point()>;

  AccessGuard(std::shared_ptr<const KeyRing> keys, const cluster::Registry& registry,
              GuardOptions options, Clock clock = nullptr);

  Result<http::Pass> admit(http::Request& req, http::Access access) override;

 private:
  RateLimiter::Clock::time_point now() const {
    return clock_ ? clock_() : RateLimiter::Clock::now();
  }

  std::shared_ptr<const KeyRing> keys_;
  const cluster::Registry& registry_;
  GuardOptions options_;
  Clock clock_;
};

}  // namespace throome::auth
