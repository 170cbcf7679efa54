#pragma once

#include <memory>

#include "throome/cluster/backends.hpp"

namespace throome {
class IoPool;
}

namespace throome::router {

/// Wraps the factory that builds a cluster's adapters (outermost, after metrics): gives each
/// backend type its Upstream (state, strategy, retries, failover) and starts the active
/// health checks (Redis PING every `health.interval`), which stop when the cluster goes.
class RoutingBackendFactory final : public cluster::BackendFactory {
 public:
  RoutingBackendFactory(std::shared_ptr<cluster::BackendFactory> inner, IoPool& pool);

  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override;

 private:
  std::shared_ptr<cluster::BackendFactory> inner_;
  IoPool& pool_;
};

}  // namespace throome::router
