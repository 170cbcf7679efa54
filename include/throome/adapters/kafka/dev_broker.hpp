#pragma once

#include <memory>
#include <string>

#include "throome/common/error.hpp"

namespace throome::kafka {

/// A development Kafka cluster inside this process: librdkafka's mock cluster, a real
/// Kafka-protocol broker on loopback TCP ports (produce, fetch, metadata, consumer groups and
/// commits work; CreateTopics and DeleteTopics are not answered, topics are auto-created with
/// 4 partitions on first use). Thread-safe. Data lives in memory and is gone on destruction.
class DevBroker {
 public:
  /// Starts `brokers` brokers. @throws std::runtime_error when librdkafka cannot start it.
  static std::shared_ptr<DevBroker> start(int brokers = 1);

  ~DevBroker();
  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;

  /// "127.0.0.1:port,..." for bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }

  /// Creates a topic through the mock cluster's own API.
  /// @return Errc::bad_request for invalid counts, Errc::conflict when it exists.
  Result<void> create_topic(const std::string& name, int partitions, int replication_factor);

  /// Takes broker `id` (1-based) down: its connections close and new ones are refused; data
  /// is kept. @return Errc::not_found for an unknown id.
  Result<void> set_broker_down(int id);
  /// Brings broker `id` back up.
  Result<void> set_broker_up(int id);

 private:
  struct Impl;
  explicit DevBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
};

}  // namespace throome::kafka
