#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "throome/adapters/kafka/client.hpp"
#include "throome/adapters/postgres/client.hpp"
#include "throome/adapters/redis/client.hpp"
#include "throome/config/cluster_config.hpp"
#include "throome/router/upstream.hpp"

namespace throome::cluster {

/// The live adapters of one cluster, one per service, built from its resolved config.
/// Lives as long as some snapshot references its cluster; destroying it closes connections.
struct Backends {
  struct Redis {
    std::string service;
    redis::ClientPtr client;
  };
  std::vector<Redis> redis;  // in config order
  /// The Redis candidates with health, breakers and the cluster's strategy (built by
  /// router::RoutingBackendFactory; null when the cluster has no redis or no router).
  std::shared_ptr<router::Upstream<redis::ClientPtr>> redis_upstream;

  struct Postgres {
    std::string service;
    postgres::ClientPtr primary;
    std::vector<postgres::ClientPtr> replicas;  // read candidates (role replica or readonly)
    // The router's view (health checks, breaker) of the primary and of each replica, in the
    // order of `replicas` (set by router::RoutingBackendFactory; null without a router).
    std::shared_ptr<router::BackendState> state;
    std::vector<std::shared_ptr<router::BackendState>> replica_states;
    // Round-robin cursor over the replicas, shared by copies of this entry.
    std::shared_ptr<std::atomic<std::size_t>> next_replica =
        std::make_shared<std::atomic<std::size_t>>(0);
  };
  std::vector<Postgres> postgres;  // in config order

  struct Kafka {
    std::string service;
    kafka::ClientPtr client;
    std::shared_ptr<router::BackendState> state;  // as for Postgres
  };
  std::vector<Kafka> kafka;  // in config order

  /// The router's state of the service called `service` (for postgres: its primary), or
  /// null when it has none (unknown service, or built without a router).
  const router::BackendState* state_of(std::string_view service) const {
    if (redis_upstream) {
      for (const auto& m : redis_upstream->members()) {
        if (m.service == service) return m.state.get();
      }
    }
    for (const auto& p : postgres) {
      if (p.service == service) return p.state.get();
    }
    for (const auto& k : kafka) {
      if (k.service == service) return k.state.get();
    }
    return nullptr;
  }
};

/// Builds the adapters of a cluster. Injected into the Manager (tests can pass none).
class BackendFactory {
 public:
  virtual ~BackendFactory() = default;
  /// @return adapters for every service of `resolved` (connections open in the background;
  ///         never blocks).
  virtual std::shared_ptr<Backends> create(const config::ClusterConfig& resolved) = 0;
};

}  // namespace throome::cluster
