#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace throome::testing {

/// A Kafka broker for tests: the kafka_mock_broker helper (librdkafka's mock cluster, a real
/// Kafka-protocol broker) in its own process on loopback TCP, so the daemon and kcat both talk
/// to it over the network. Started once per test binary; stopped by PID on destruction.
class KafkaMockBroker {
 public:
  explicit KafkaMockBroker(int brokers = 1);
  ~KafkaMockBroker();
  KafkaMockBroker(const KafkaMockBroker&) = delete;
  KafkaMockBroker& operator=(const KafkaMockBroker&) = delete;

  /// "127.0.0.1:port[,...]".
  const std::string& bootstrap() const { return bootstrap_; }
  /// The host and port of the first broker.
  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const;
  pid_t pid() const { return pid_; }

  /// Takes broker `id` down (connections refused, data kept) / back up. Throws on failure.
  void set_down(int id = 1);
  void set_up(int id = 1);
  /// Creates a topic through the mock cluster's API. Throws on failure.
  void create_topic(const std::string& topic, int partitions, int replication_factor = 1);

 private:
  std::string command(const std::string& line);
  pid_t pid_ = -1;
  int in_fd_ = -1;   // the helper's stdin
  int out_fd_ = -1;  // the helper's stdout
  std::string buffer_;
  std::string bootstrap_;
};

/// One record as kcat consumed it (binary-safe).
struct KcatRecord {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Consumes every record of `topic` from the beginning with kcat (the independent peer) and
/// exits at the end of the partitions. Throws when kcat fails.
std::vector<KcatRecord> kcat_consume(const std::string& bootstrap, const std::string& topic);

/// Produces `lines` (one message each; "key<TAB>value" when `keyed`) with kcat.
/// Throws when kcat fails.
void kcat_produce(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::string>& lines, bool keyed = false);

}  // namespace throome::testing
