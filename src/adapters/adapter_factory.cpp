#include "throome/adapters/adapter_factory.hpp"

#include <algorithm>

#include "throome/common/io_pool.hpp"

namespace throome::adapters {

AdapterFactory::AdapterFactory(IoPool& pool) : pool_(pool) {}

redis::ClientOptions redis_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service, int io_threads) {
  redis::ClientOptions o;
  o.host = service.host;
  o.port = service.port;
  o.username = service.username;
  o.password = service.password;
  if (auto it = service.options.find("db");
      it != service.options.end() && it->is_number_integer()) {
    o.db = it->get<int>();
  }
  // A few pipelined connections carry any load: one per IO thread by default.
  o.connections =
      static_cast<std::size_t>(service.pool.max_connections.value_or(std::max(1, io_threads)));
  o.command_timeout = std::chrono::milliseconds(cluster.routing.timeout_ms);
  o.connect_timeout = std::chrono::milliseconds(
      std::min(cluster.routing.timeout_ms, cluster.health.timeout * 1000));
  o.name = cluster.cluster_id + "/" + service.name;
  return o;
}

std::shared_ptr<cluster::Backends> AdapterFactory::create(const config::ClusterConfig& resolved) {
  auto backends = std::make_shared<cluster::Backends>();
  for (const auto& svc : resolved.services) {
    if (svc.type == config::ServiceType::redis) {
      backends->redis.push_back(
          {svc.name, redis::make_client(
                         pool_, redis_options(resolved, svc, static_cast<int>(pool_.size())))});
    }
  }
  return backends;
}

}  // namespace throome::adapters
