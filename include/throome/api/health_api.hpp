#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>

#include "throome/cluster/manager.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// Service info (`/`), liveness (`/health`, `/api/v1/health`) and readiness (`/readyz`).
class HealthApi {
 public:
  /// `ready` is true once clusters are loaded and the listener is up, false again while
  /// shutting down.
  HealthApi(cluster::Manager& manager, const std::atomic<bool>& ready);

  void register_routes(http::RouteTable& routes);

 private:
  boost::asio::awaitable<http::Response> info(http::Request& req);
  boost::asio::awaitable<http::Response> health(http::Request& req);
  boost::asio::awaitable<http::Response> readyz(http::Request& req);

  cluster::Manager& manager_;
  const std::atomic<bool>& ready_;
};

}  // namespace throome::api
