#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "throome/api/cache_api.hpp"
#include "throome/api/clusters_api.hpp"
#include "throome/api/health_api.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// Every REST resource of the gateway, wired once. The daemon and the tests that check the
/// route table against docs/openapi.yaml both build the routes through this class.
class Api {
 public:
  Api(cluster::Manager& manager, boost::asio::thread_pool& admin_pool,
      const std::atomic<bool>& ready);

  /// Registers every route. Call once.
  void register_routes(http::RouteTable& routes);

 private:
  HealthApi health_;
  ClustersApi clusters_;
  CacheApi cache_;
};

}  // namespace throome::api
