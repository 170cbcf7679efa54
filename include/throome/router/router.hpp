#pragma once

#include <string_view>

#include "throome/adapters/redis/client.hpp"
#include "throome/cluster/cluster.hpp"
#include "throome/common/error.hpp"

namespace throome::router {

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
};

}  // namespace throome::router
