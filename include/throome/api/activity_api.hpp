#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::monitor {
class ActivityLog;
}

namespace throome::api {

/// GET /api/v1/activity, /api/v1/clusters/{id}/activity and
/// /api/v1/clusters/{id}/services/{name}/activity: recent backend operations, newest first,
/// from the activity ring (`?limit=`, default 100).
class ActivityApi {
 public:
  static constexpr std::size_t kDefaultLimit = 100;

  /// `activity` may be null (disabled): the routes then answer 404.
  ActivityApi(cluster::Registry& registry, std::shared_ptr<const monitor::ActivityLog> activity);

  void register_routes(http::RouteTable& routes);

 private:
  boost::asio::awaitable<http::Response> all(http::Request& req);
  boost::asio::awaitable<http::Response> of_cluster(http::Request& req);
  boost::asio::awaitable<http::Response> of_service(http::Request& req);
  http::Response respond(const http::Request& req, std::string_view cluster,
                         std::string_view service) const;

  cluster::Registry& registry_;
  std::shared_ptr<const monitor::ActivityLog> activity_;
};

}  // namespace throome::api
