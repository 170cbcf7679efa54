#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::monitor {
class Metrics;
}

namespace throome::api {

/// GET /api/v1/clusters/{id}/health: each service's state as the gateway sees it now. For a
/// Redis service, healthy = the client has a ready connection; response_time is the latency
/// of the latest call the gateway made to it (from the backend metrics). No probe is sent:
/// this is passive state, not an active health check.
class ClusterHealthApi {
 public:
  /// `metrics` may be null (monitoring disabled): response_time is then null.
  ClusterHealthApi(cluster::Registry& registry, std::shared_ptr<monitor::Metrics> metrics);

  void register_routes(http::RouteTable& routes);

 private:
  boost::asio::awaitable<http::Response> health(http::Request& req);

  cluster::Registry& registry_;
  std::shared_ptr<monitor::Metrics> metrics_;
};

}  // namespace throome::api
