#include "support/data_stack.hpp"

#include <stdexcept>

namespace throome::testing {

using nlohmann::json;

DataStack::DataStack()
    : redis_(std::make_unique<RedisServer>()),
      postgres_(std::make_unique<PostgresServer>()),
      kafka_(std::make_unique<KafkaMockBroker>()),
      dir_(std::make_unique<TempDir>()) {
  DaemonProcess::Options o;
  o.clusters_dir = dir_->path() / "clusters";
  o.extra_args = {"--threads", "2"};
  o.env = {{"THROOME_TEST_PG_PASSWORD", PostgresServer::kPassword}};
  daemon_ = std::make_unique<DaemonProcess>(o);

  json kafka_options = {
      // The mock cluster waits session.timeout.ms - 1 s for group members before a rebalance.
      {"consumer", {{"session.timeout.ms", 3000}, {"heartbeat.interval.ms", 500}}}};
  json body = {{"name", "Demo"},
               {"cluster_id", kCluster},
               {"services",
                {{"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", redis_->port()}}},
                 {"db",
                  {{"type", "postgres"},
                   {"host", "127.0.0.1"},
                   {"port", postgres_->port()},
                   {"username", PostgresServer::kUser},
                   {"password", "${THROOME_TEST_PG_PASSWORD}"},
                   {"database", PostgresServer::kDatabase},
                   {"pool", {{"min_connections", 1}, {"max_connections", 4}}}}},
                 {"events",
                  {{"type", "kafka"},
                   {"host", "127.0.0.1"},
                   {"port", kafka_->port()},
                   {"options", kafka_options}}}}},
               {"routing", {{"timeout_ms", 5000}}}};
  auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
  if (r.status != 201) {
    throw std::runtime_error("cannot create the test cluster: " + std::to_string(r.status) + " " +
                             r.body);
  }
}

DataStack::~DataStack() {
  daemon_.reset();
  dir_.reset();
  kafka_.reset();
  postgres_.reset();
  redis_.reset();
}

}  // namespace throome::testing
