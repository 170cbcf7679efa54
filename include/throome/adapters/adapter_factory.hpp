#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "throome/cluster/backends.hpp"

namespace throome {
class IoPool;
}

namespace throome::adapters {

/// Builds real adapters (hiredis on the daemon's io_context, ...) for each service.
class AdapterFactory final : public cluster::BackendFactory {
 public:
  /// Adapters run on `pool`'s IO threads.
  explicit AdapterFactory(IoPool& pool);

  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override;

 private:
  IoPool& pool_;
};

/// The Redis client options for one service of a resolved cluster config.
redis::ClientOptions redis_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service, int io_threads);

}  // namespace throome::adapters
