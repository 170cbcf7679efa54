#include "throome/api/api.hpp"

namespace throome::api {

Api::Api(cluster::Manager& manager, boost::asio::thread_pool& admin_pool,
         const std::atomic<bool>& ready, Monitoring monitoring)
    : health_(manager, ready),
      clusters_(manager, admin_pool),
      cache_(manager.registry()),
      db_(manager.registry()),
      queue_(manager.registry()),
      metrics_(manager.registry(), monitoring),
      cluster_health_(manager.registry(), monitoring.metrics),
      activity_(manager.registry(), monitoring.activity) {}

void Api::register_routes(http::RouteTable& routes) {
  health_.register_routes(routes);
  clusters_.register_routes(routes);
  cache_.register_routes(routes);
  db_.register_routes(routes);
  queue_.register_routes(routes);
  metrics_.register_routes(routes);
  cluster_health_.register_routes(routes);
  activity_.register_routes(routes);
}

}  // namespace throome::api
