#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "throome/cluster/backends.hpp"

namespace throome {
class IoPool;
}

namespace throome::kafka {
class DevBroker;
}

namespace throome::adapters {

/// The in-process dev broker of a provisioned kafka service (cluster id, service name), or null.
using DevBrokerLookup =
    std::function<std::shared_ptr<kafka::DevBroker>(std::string_view, std::string_view)>;

/// Builds real adapters (hiredis on the daemon's io_context, ...) for each service.
class AdapterFactory final : public cluster::BackendFactory {
 public:
  /// Adapters run on `pool`'s IO threads. A provisioned kafka service talks to the broker
  /// `dev_brokers` returns for it (topics are created through its API).
  explicit AdapterFactory(IoPool& pool, DevBrokerLookup dev_brokers = {});

  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override;

 private:
  IoPool& pool_;
  DevBrokerLookup dev_brokers_;
};

/// The Redis client options for one service of a resolved cluster config.
redis::ClientOptions redis_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service, int io_threads);

/// The PostgreSQL client options for one service (or, with `replica`, one of its replicas)
/// of a resolved cluster config.
postgres::ClientOptions postgres_options(const config::ClusterConfig& cluster,
                                         const config::ServiceConfig& service,
                                         const config::ReplicaConfig* replica = nullptr);

/// The Kafka client options for one service of a resolved cluster config: bootstrap from
/// options.brokers (else host:port), options.producer / options.consumer passed to
/// librdkafka, routing.timeout_ms as the request deadline, options.consumer_idle_timeout
/// (seconds), options.auto_create_topics, options.max_consumers and options.cursor_secret.
kafka::ClientOptions kafka_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service);

}  // namespace throome::adapters
