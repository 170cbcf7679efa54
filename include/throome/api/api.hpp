#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "throome/api/activity_api.hpp"
#include "throome/api/cache_api.hpp"
#include "throome/api/cluster_health_api.hpp"
#include "throome/api/clusters_api.hpp"
#include "throome/api/db_api.hpp"
#include "throome/api/health_api.hpp"
#include "throome/api/metrics_api.hpp"
#include "throome/api/monitoring.hpp"
#include "throome/api/queue_api.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// Every REST resource of the gateway, wired once. The daemon and the tests that check the
/// route table against docs/openapi.yaml both build the routes through this class.
class Api {
 public:
  /// `monitoring`: what the metrics, health and activity views read (defaults: the routes
  /// exist, metrics and activity answer 404 as disabled).
  Api(cluster::Manager& manager, boost::asio::thread_pool& admin_pool,
      const std::atomic<bool>& ready, Monitoring monitoring = {});

  /// Registers every route. Call once.
  void register_routes(http::RouteTable& routes);

 private:
  HealthApi health_;
  ClustersApi clusters_;
  CacheApi cache_;
  DbApi db_;
  QueueApi queue_;
  MetricsApi metrics_;
  ClusterHealthApi cluster_health_;
  ActivityApi activity_;
};

}  // namespace throome::api
