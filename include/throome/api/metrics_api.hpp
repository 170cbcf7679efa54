#pragma once

#include <boost/asio/awaitable.hpp>

#include "throome/api/monitoring.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// GET <monitoring.metrics_path> (Prometheus text exposition) and
/// GET /api/v1/clusters/{id}/metrics (one cluster's backend calls as JSON).
class MetricsApi {
 public:
  MetricsApi(cluster::Registry& registry, Monitoring monitoring);

  void register_routes(http::RouteTable& routes);

 private:
  boost::asio::awaitable<http::Response> prometheus(http::Request& req);
  boost::asio::awaitable<http::Response> cluster_metrics(http::Request& req);

  cluster::Registry& registry_;
  Monitoring monitoring_;
};

}  // namespace throome::api
