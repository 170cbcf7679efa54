#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "throome/cluster/backends.hpp"

namespace throome::adapters {

/// Builds real adapters (hiredis on the daemon's io_context, ...) for each service.
class AdapterFactory final : public cluster::BackendFactory {
 public:
  /// `io_threads` sizes the default Redis pool.
  AdapterFactory(boost::asio::io_context& ioc, int io_threads);

  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override;

 private:
  boost::asio::io_context& ioc_;
  int io_threads_;
};

/// The Redis client options for one service of a resolved cluster config.
redis::ClientOptions redis_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service, int io_threads);

}  // namespace throome::adapters
