#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/kafka_broker.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace throome::testing {

/// The whole data plane for SDK, CLI and example tests: a real redis-server, PostgreSQL and
/// Kafka-protocol broker (librdkafka's mock cluster), the real daemon, and one cluster
/// (`kCluster`) with services cache (redis), db (postgres) and events (kafka). Start it
/// once per test binary.
class DataStack {
 public:
  static constexpr const char* kCluster = "demo";

  DataStack();
  ~DataStack();
  DataStack(const DataStack&) = delete;
  DataStack& operator=(const DataStack&) = delete;

  DaemonProcess& daemon() { return *daemon_; }
  RedisServer& redis() { return *redis_; }
  PostgresServer& postgres() { return *postgres_; }
  KafkaMockBroker& kafka() { return *kafka_; }
  const std::filesystem::path& dir() const { return dir_->path(); }
  std::string url() const { return daemon_->base_url(); }

 private:
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<PostgresServer> postgres_;
  std::unique_ptr<KafkaMockBroker> kafka_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

}  // namespace throome::testing
