#include "throome/monitor/monitored_backend_factory.hpp"

#include "monitor/monitored_redis_client.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::monitor {

MonitoredBackendFactory::MonitoredBackendFactory(std::shared_ptr<cluster::BackendFactory> inner,
                                                 std::shared_ptr<Metrics> metrics,
                                                 std::shared_ptr<ActivityLog> activity)
    : inner_(std::move(inner)), metrics_(std::move(metrics)), activity_(std::move(activity)) {}

std::shared_ptr<cluster::Backends> MonitoredBackendFactory::create(
    const config::ClusterConfig& resolved) {
  auto backends = inner_->create(resolved);
  if (!backends) return backends;
  for (auto& r : backends->redis) {
    if (!r.client) continue;
    r.client = std::make_shared<MonitoredRedisClient>(
        std::move(r.client), metrics_->backend(resolved.cluster_id, r.service, "redis"), activity_);
  }
  return backends;
}

}  // namespace throome::monitor
