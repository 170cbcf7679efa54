#pragma once

#include <string_view>

#include "throome/adapters/kafka/client.hpp"
#include "throome/adapters/postgres/client.hpp"
#include "throome/adapters/redis/client.hpp"
#include "throome/cluster/cluster.hpp"
#include "throome/common/error.hpp"
#include "throome/router/backend_state.hpp"

namespace throome::router {

/// How fresh a read must be: `eventual` reads may go to a replica, `strong` ones go to the
/// primary.
enum class Consistency { eventual, strong };

/// A PostgreSQL backend picked for a call, with the router's state of it (health checks and
/// breaker; null when the cluster was built without a router).
struct PostgresTarget {
  postgres::ClientPtr client;
  BackendState* state = nullptr;
  bool replica = false;
};

/// Picks the backend that serves an operation: the one place that knows how to find "the
/// backend of type X in cluster Y". Today: the service pinned by name, else the cluster's
/// first service of that type. (Strategies, health and breakers extend this class.)
class Router {
 public:
  /// The Redis backend for `key` in `cluster`, or the one named `service` when not empty.
  /// @return the client, or Errc::not_found (no redis service / unknown service name),
  ///         Errc::bad_request (the pinned service is not a redis service).
  static Result<redis::ClientPtr> redis_for(const cluster::Cluster& cluster, std::string_view key,
                                            std::string_view service = {});

  /// The PostgreSQL backend for a call in `cluster`: of the service named `service`, else
  /// of the first postgres service. Reads (`read_only`) with eventual consistency go to a
  /// healthy replica (round-robin) when there is one; everything else to the primary.
  /// @return the target, or Errc::not_found (no postgres service / unknown service name),
  ///         Errc::bad_request (the pinned service is not a postgres service).
  static Result<PostgresTarget> postgres_for(const cluster::Cluster& cluster, bool read_only,
                                             Consistency consistency,
                                             std::string_view service = {});

  /// The Kafka backend of `cluster`: the service named `service`, else the first kafka
  /// service. @return the client, or Errc::not_found (no kafka service / unknown service
  ///         name), Errc::bad_request (the pinned service is not a kafka service).
  static Result<kafka::ClientPtr> kafka_for(const cluster::Cluster& cluster,
                                            std::string_view service = {});
};

}  // namespace throome::router
