#include "throome/monitor/monitored_backend_factory.hpp"

#include "monitor/monitored_clients.hpp"
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
  for (auto& p : backends->postgres) {
    if (!p.primary) continue;
    // The primary's calls are the service's series; replicas are measured by the router's
    // state (health, breaker) and their own pools.
    p.primary = std::make_shared<MonitoredPostgresClient>(
        std::move(p.primary), metrics_->backend(resolved.cluster_id, p.service, "postgres"),
        activity_);
  }
  for (auto& k : backends->kafka) {
    if (!k.client) continue;
    k.client = std::make_shared<MonitoredKafkaClient>(
        std::move(k.client), metrics_->backend(resolved.cluster_id, k.service, "kafka"), activity_);
  }
  return backends;
}

}  // namespace throome::monitor
