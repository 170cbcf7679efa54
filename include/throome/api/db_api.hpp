#pragma once

#include <boost/asio/awaitable.hpp>

#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// /api/v1/clusters/{id}/db/...: the PostgreSQL data plane. Each handler checks its body,
/// asks the router for the backend (reads may go to a replica, writes to the primary), runs
/// the statement(s) on the adapter's worker threads and answers typed JSON.
class DbApi {
 public:
  explicit DbApi(cluster::Registry& registry);

  void register_routes(http::RouteTable& routes);

 private:
  using Handler = boost::asio::awaitable<http::Response> (DbApi::*)(http::Request&);

  boost::asio::awaitable<http::Response> query(http::Request& req);
  boost::asio::awaitable<http::Response> execute(http::Request& req);
  boost::asio::awaitable<http::Response> transaction(http::Request& req);
  boost::asio::awaitable<http::Response> list_statements(http::Request& req);
  boost::asio::awaitable<http::Response> run_statement(http::Request& req);

  cluster::Registry& registry_;
};

}  // namespace throome::api
