#include "throome/router/router.hpp"

#include <string>

namespace throome::router {
namespace {

// The entry of `entries` (the cluster's backends of one type) for `service`, else the first:
// the one lookup every type shares, with the same errors for an unknown or mistyped name.
template <class Entry>
Result<const Entry*> find_entry(const cluster::Cluster& cluster, const std::vector<Entry>& entries,
                                std::string_view service, std::string_view type,
                                std::string_view api) {
  if (!service.empty()) {
    for (const auto& e : entries) {
      if (e.service == service) return &e;
    }
    const auto* svc = cluster.config().find_service(service);
    if (svc == nullptr) {
      return Error(Errc::not_found, "service \"" + std::string(service) +
                                        "\" not found in cluster \"" + cluster.id() + "\"");
    }
    return Error(Errc::bad_request, "service \"" + std::string(service) + "\" is a " +
                                        std::string(config::to_string(svc->type)) +
                                        " service, not " + std::string(type));
  }
  if (entries.empty()) {
    return Error(Errc::not_found,
                 "cluster \"" + cluster.id() + "\" has no " + std::string(type) + " service",
                 "add a service with type: " + std::string(type) + " to use the " +
                     std::string(api) + " API");
  }
  return &entries.front();
}

}  // namespace

Result<redis::ClientPtr> Router::redis_for(const cluster::Cluster& cluster, std::string_view,
                                           std::string_view service) {
  auto entry = find_entry(cluster, cluster.backends().redis, service, "redis", "cache");
  if (!entry) return entry.error();
  return (*entry)->client;
}

Result<PostgresTarget> Router::postgres_for(const cluster::Cluster& cluster, bool read_only,
                                            Consistency consistency, std::string_view service) {
  auto entry = find_entry(cluster, cluster.backends().postgres, service, "postgres", "db");
  if (!entry) return entry.error();
  const auto& backend = **entry;
  const auto& replicas = backend.replicas;
  if (read_only && consistency == Consistency::eventual && !replicas.empty()) {
    const std::size_t start = backend.next_replica->fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < replicas.size(); ++k) {
      const std::size_t i = (start + k) % replicas.size();
      BackendState* state =
          i < backend.replica_states.size() ? backend.replica_states[i].get() : nullptr;
      if (replicas[i]->healthy() && (state == nullptr || state->selectable())) {
        return PostgresTarget{replicas[i], state, true};
      }
    }
  }
  return PostgresTarget{backend.primary, backend.state.get(), false};
}

Result<kafka::ClientPtr> Router::kafka_for(const cluster::Cluster& cluster,
                                           std::string_view service) {
  auto entry = find_entry(cluster, cluster.backends().kafka, service, "kafka", "queue");
  if (!entry) return entry.error();
  return (*entry)->client;
}

}  // namespace throome::router
