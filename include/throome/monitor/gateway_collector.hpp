#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstddef>
#include <functional>
#include <vector>

#include "throome/cluster/registry.hpp"

namespace throome::monitor {

/// Gateway state computed at scrape time from the live objects, so it is never stale:
/// throome_clusters (clusters in the current snapshot), throome_backend_up{cluster,service,type}
/// (ready connection, health checks passing, circuit not open), throome_circuit_breaker_state,
/// throome_pool_connections{cluster,service,state}, throome_retries_total{cluster,type} and
/// throome_http_connections (open client connections, from `connections`).
class GatewayCollector final : public prometheus::Collectable {
 public:
  GatewayCollector(const cluster::Registry& registry, std::function<std::size_t()> connections);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const cluster::Registry& registry_;
  std::function<std::size_t()> connections_;
};

}  // namespace throome::monitor
