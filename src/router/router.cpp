#include "throome/router/router.hpp"

#include <string>

namespace throome::router {

Result<redis::ClientPtr> Router::redis_for(const cluster::Cluster& cluster, std::string_view,
                                           std::string_view service) {
  const auto& redis = cluster.backends().redis;
  if (!service.empty()) {
    for (const auto& b : redis) {
      if (b.service == service) return b.client;
    }
    const auto* svc = cluster.config().find_service(service);
    if (svc == nullptr) {
      return Error(Errc::not_found, "service \"" + std::string(service) +
                                        "\" not found in cluster \"" + cluster.id() + "\"");
    }
    return Error(Errc::bad_request, "service \"" + std::string(service) + "\" is a " +
                                        std::string(config::to_string(svc->type)) +
                                        " service, not redis");
  }
  if (redis.empty()) {
    return Error(Errc::not_found, "cluster \"" + cluster.id() + "\" has no redis service",
                 "add a service with type: redis to use the cache API");
  }
  return redis.front().client;
}

Result<postgres::ClientPtr> Router::postgres_for(const cluster::Cluster& cluster, bool read_only,
                                                 Consistency consistency,
                                                 std::string_view service) {
  const auto& postgres = cluster.backends().postgres;
  const cluster::Backends::Postgres* backend = nullptr;
  if (!service.empty()) {
    for (const auto& b : postgres) {
      if (b.service == service) backend = &b;
    }
    if (backend == nullptr) {
      const auto* svc = cluster.config().find_service(service);
      if (svc == nullptr) {
        return Error(Errc::not_found, "service \"" + std::string(service) +
                                          "\" not found in cluster \"" + cluster.id() + "\"");
      }
      return Error(Errc::bad_request, "service \"" + std::string(service) + "\" is a " +
                                          std::string(config::to_string(svc->type)) +
                                          " service, not postgres");
    }
  } else if (postgres.empty()) {
    return Error(Errc::not_found, "cluster \"" + cluster.id() + "\" has no postgres service",
                 "add a service with type: postgres to use the db API");
  } else {
    backend = &postgres.front();
  }
  const auto& replicas = backend->replicas;
  if (read_only && consistency == Consistency::eventual && !replicas.empty()) {
    const std::size_t start = backend->next_replica->fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < replicas.size(); ++k) {
      const auto& candidate = replicas[(start + k) % replicas.size()];
      if (candidate->healthy()) return candidate;
    }
  }
  return backend->primary;
}

Result<kafka::ClientPtr> Router::kafka_for(const cluster::Cluster& cluster,
                                           std::string_view service) {
  const auto& kafka = cluster.backends().kafka;
  if (!service.empty()) {
    for (const auto& b : kafka) {
      if (b.service == service) return b.client;
    }
    const auto* svc = cluster.config().find_service(service);
    if (svc == nullptr) {
      return Error(Errc::not_found, "service \"" + std::string(service) +
                                        "\" not found in cluster \"" + cluster.id() + "\"");
    }
    return Error(Errc::bad_request, "service \"" + std::string(service) + "\" is a " +
                                        std::string(config::to_string(svc->type)) +
                                        " service, not kafka");
  }
  if (kafka.empty()) {
    return Error(Errc::not_found, "cluster \"" + cluster.id() + "\" has no kafka service",
                 "add a service with type: kafka to use the queue API");
  }
  return kafka.front().client;
}

}  // namespace throome::router
