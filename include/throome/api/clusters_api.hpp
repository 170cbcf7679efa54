#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "throome/cluster/manager.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// /api/v1/clusters: list, create, validate, get, replace, delete, one service, reload.
/// Mutations run on the admin worker pool (they fsync); reads use the registry snapshot.
class ClustersApi {
 public:
  ClustersApi(cluster::Manager& manager, boost::asio::thread_pool& admin_pool);

  void register_routes(http::RouteTable& routes);

 private:
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> validate(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> replace(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);
  boost::asio::awaitable<http::Response> service(http::Request& req);
  boost::asio::awaitable<http::Response> reload(http::Request& req);

  cluster::Manager& manager_;
  boost::asio::thread_pool& admin_pool_;
};

}  // namespace throome::api
