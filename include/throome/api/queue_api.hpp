#pragma once

#include <boost/asio/awaitable.hpp>

#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// /api/v1/clusters/{id}/queue/...: the Kafka data plane. Publishing (one message or a batch,
/// answered when the broker acknowledged), topic admin, consumer instances in groups
/// (REST-Proxy style), stateless cursor reads, and streams over Server-Sent Events and
/// WebSocket. Handlers parse and check the request, ask the router for the cluster's kafka
/// backend and map the outcome to JSON.
class QueueApi {
 public:
  explicit QueueApi(cluster::Registry& registry);

  void register_routes(http::RouteTable& routes);

 private:
  using Handler = boost::asio::awaitable<http::Response> (QueueApi::*)(http::Request&);

  boost::asio::awaitable<http::Response> publish(http::Request& req);
  boost::asio::awaitable<http::Response> list_topics(http::Request& req);
  boost::asio::awaitable<http::Response> create_topic(http::Request& req);
  boost::asio::awaitable<http::Response> describe_topic(http::Request& req);
  boost::asio::awaitable<http::Response> delete_topic(http::Request& req);
  boost::asio::awaitable<http::Response> read_records(http::Request& req);
  boost::asio::awaitable<http::Response> stream(http::Request& req);  // queue_stream.cpp
  boost::asio::awaitable<http::Response> create_consumer(http::Request& req);
  boost::asio::awaitable<http::Response> consumer_records(http::Request& req);
  boost::asio::awaitable<http::Response> commit_offsets(http::Request& req);
  boost::asio::awaitable<http::Response> delete_consumer(http::Request& req);

  cluster::Registry& registry_;
};

}  // namespace throome::api
