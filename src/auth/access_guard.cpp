#include "throome/auth/access_guard.hpp"

namespace throome::auth {
namespace {

using http::Access;

bool cluster_scoped(Access access) { return access == Access::read || access == Access::write; }

Error rate_limited(std::string message, std::chrono::nanoseconds wait) {
  return Error(Errc::rate_limited, std::move(message),
               {{"retry_after_seconds", RateLimiter::retry_after_seconds(wait)}});
}

}  // namespace

std::optional<Error> authorize(const Key& key, Access access, std::string_view cluster_id) {
  const auto refuse = [&](std::string what) {
    return Error(Errc::forbidden, "API key \"" + key.name + "\" may not " + what);
  };
  switch (key.role) {
    case Role::admin:
      return std::nullopt;
    case Role::operator_:
      if (access == Access::open || access == Access::metrics || access == Access::operate) {
        return std::nullopt;
      }
      return access == Access::administer ? refuse("change clusters (role operator)")
                                          : refuse("call the data plane (role operator)");
    case Role::client:
      if (access == Access::open) return std::nullopt;
      if (!cluster_scoped(access) || cluster_id.empty()) {
        return refuse("call gateway administration or monitoring routes (role client)");
      }
      // The same answer whether or not the cluster exists: scope is checked first.
      if (!key.covers(cluster_id)) {
        return refuse("use cluster \"" + std::string(cluster_id) + "\"");
      }
      if (access == Access::write && key.read_only) {
        return refuse("write (the key is read_only)");
      }
      return std::nullopt;
  }
  return refuse("run this route");
}

AccessGuard::AccessGuard(std::shared_ptr<const KeyRing> keys, const cluster::Registry& registry,
                         GuardOptions options, Clock clock)
    : keys_(std::move(keys)), registry_(registry), options_(options), clock_(std::move(clock)) {}

Result<http::Pass> AccessGuard::admit(http::Request& req, Access access) {
  if (access == Access::open) return http::Pass();
  const bool needs_key =
      options_.auth_enabled && (access != Access::metrics || options_.metrics_require_auth);
  const std::string& cluster_id = req.param("id");
  if (needs_key) {
    const auto presented = presented_key(req);
    if (!presented) {
      return Error(Errc::unauthorized, "an API key is required",
                   "send Authorization: Bearer <key> or X-API-Key: <key>");
    }
    const Key* key = keys_ ? keys_->find(*presented) : nullptr;
    if (key == nullptr) return Error(Errc::unauthorized, "unknown API key");
    req.principal = key->name;
    req.read_only = key->read_only;
    if (auto refusal = authorize(*key, access, cluster_id)) return *refusal;
    if (key->rate) {
      const auto decision = key->rate->acquire(now());
      if (!decision.allowed) {
        return rate_limited("rate limit of API key \"" + key->name + "\" exceeded",
                            decision.retry_after);
      }
    }
  }
  if (!cluster_scoped(access) || cluster_id.empty()) return http::Pass();
  auto cluster = registry_.find(cluster_id);
  if (!cluster) return http::Pass();  // the handler answers 404
  const auto& throttle = cluster->throttle();
  if (auto* rate = throttle->rate()) {
    const auto decision = rate->acquire(now());
    if (!decision.allowed) {
      return rate_limited("rate limit of cluster \"" + cluster_id + "\" exceeded",
                          decision.retry_after);
    }
  }
  if (throttle->max_in_flight() <= 0) return http::Pass();
  if (!throttle->enter()) {
    return Error(Errc::overloaded, "cluster \"" + cluster_id + "\" has too many requests in flight",
                 {{"max_in_flight", throttle->max_in_flight()}});
  }
  return http::Pass(throttle);
}

}  // namespace throome::auth
