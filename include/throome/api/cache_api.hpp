#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "throome/adapters/redis/client.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {

/// /api/v1/clusters/{id}/cache/...: the Redis data plane. Every handler parses and checks
/// its body, asks the router for the backend, runs one pipelined command (or one
/// MULTI/EXEC group) and maps the reply to JSON.
class CacheApi {
 public:
  explicit CacheApi(cluster::Registry& registry);

  void register_routes(http::RouteTable& routes);

  /// Commands the generic `command` endpoint and transactions refuse by default.
  static const std::vector<std::string>& default_denied_commands();
  /// Commands that are always refused: they would block or change the state of a connection
  /// shared by many requests (pub/sub, MULTI, SELECT, blocking pops, ...).
  static bool breaks_shared_connection(std::string_view upper_command);

 private:
  using Handler = boost::asio::awaitable<http::Response> (CacheApi::*)(http::Request&);

  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> set(http::Request& req);
  boost::asio::awaitable<http::Response> del(http::Request& req);
  boost::asio::awaitable<http::Response> mget(http::Request& req);
  boost::asio::awaitable<http::Response> mset(http::Request& req);
  boost::asio::awaitable<http::Response> incr(http::Request& req);
  boost::asio::awaitable<http::Response> exists(http::Request& req);
  boost::asio::awaitable<http::Response> expire(http::Request& req);
  boost::asio::awaitable<http::Response> ttl(http::Request& req);
  boost::asio::awaitable<http::Response> persist(http::Request& req);
  boost::asio::awaitable<http::Response> hget(http::Request& req);
  boost::asio::awaitable<http::Response> hset(http::Request& req);
  boost::asio::awaitable<http::Response> hgetall(http::Request& req);
  boost::asio::awaitable<http::Response> hdel(http::Request& req);
  boost::asio::awaitable<http::Response> lpush(http::Request& req);
  boost::asio::awaitable<http::Response> rpush(http::Request& req);
  boost::asio::awaitable<http::Response> lpop(http::Request& req);
  boost::asio::awaitable<http::Response> rpop(http::Request& req);
  boost::asio::awaitable<http::Response> lrange(http::Request& req);
  boost::asio::awaitable<http::Response> sadd(http::Request& req);
  boost::asio::awaitable<http::Response> srem(http::Request& req);
  boost::asio::awaitable<http::Response> smembers(http::Request& req);
  boost::asio::awaitable<http::Response> sismember(http::Request& req);
  boost::asio::awaitable<http::Response> zadd(http::Request& req);
  boost::asio::awaitable<http::Response> zrange(http::Request& req);
  boost::asio::awaitable<http::Response> zrem(http::Request& req);
  boost::asio::awaitable<http::Response> transaction(http::Request& req);
  boost::asio::awaitable<http::Response> command(http::Request& req);
  boost::asio::awaitable<http::Response> key_get(http::Request& req);
  boost::asio::awaitable<http::Response> key_put(http::Request& req);
  boost::asio::awaitable<http::Response> key_delete(http::Request& req);

  boost::asio::awaitable<http::Response> push(http::Request& req, const char* cmd);
  boost::asio::awaitable<http::Response> pop(http::Request& req, const char* cmd);
  boost::asio::awaitable<http::Response> set_members(http::Request& req, const char* cmd,
                                                     const char* result_name);

  cluster::Registry& registry_;
};

}  // namespace throome::api
