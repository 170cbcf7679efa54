#pragma once

#include <memory>
#include <string>

#include "throome/auth/cluster_throttle.hpp"
#include "throome/cluster/backends.hpp"
#include "throome/config/cluster_config.hpp"

namespace throome::cluster {

/// One configured cluster as the gateway serves it. Immutable: changes build a new Cluster
/// and swap it into the Registry.
class Cluster {
 public:
  Cluster(config::ClusterConfig written, config::ClusterConfig resolved,
          std::shared_ptr<Backends> backends = nullptr)
      : written_(std::move(written)),
        resolved_(std::move(resolved)),
        backends_(backends ? std::move(backends) : std::make_shared<Backends>()),
        throttle_(std::make_shared<auth::ClusterThrottle>(written_.limits)) {}

  const std::string& id() const noexcept { return written_.cluster_id; }
  /// The configuration as written (env references unresolved): what the store and the API
  /// (redacted) show.
  const config::ClusterConfig& config() const noexcept { return written_; }
  /// The configuration with `${ENV}` resolved: what adapters connect with.
  const config::ClusterConfig& resolved() const noexcept { return resolved_; }
  /// The cluster's adapters (thread-safe objects; never null).
  const Backends& backends() const noexcept { return *backends_; }

  /// The cluster's admission limits (`limits:`); their counters change, the limits do not.
  /// A replaced cluster starts with fresh counters. Never null.
  const std::shared_ptr<auth::ClusterThrottle>& throttle() const noexcept { return throttle_; }

 private:
  config::ClusterConfig written_;
  config::ClusterConfig resolved_;
  std::shared_ptr<Backends> backends_;
  std::shared_ptr<auth::ClusterThrottle> throttle_;
};

using ClusterPtr = std::shared_ptr<const Cluster>;

}  // namespace throome::cluster
