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

}  // namespace throome::router
