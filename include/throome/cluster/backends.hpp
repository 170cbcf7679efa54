#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "throome/adapters/redis/client.hpp"
#include "throome/config/cluster_config.hpp"

namespace throome::cluster {

/// The live adapters of one cluster, one per service, built from its resolved config.
/// Lives as long as some snapshot references its cluster; destroying it closes connections.
struct Backends {
  struct Redis {
    std::string service;
    redis::ClientPtr client;
  };
  std::vector<Redis> redis;  // in config order
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
