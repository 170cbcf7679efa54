#include "throome/adapters/kafka/dev_broker.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <mutex>
#include <stdexcept>

#include "adapters/kafka/errors.hpp"

namespace throome::kafka {

struct DevBroker::Impl {
  rd_kafka_t* rk = nullptr;  // owns the mock cluster's threads
  rd_kafka_mock_cluster_t* cluster = nullptr;
  int brokers = 0;
  std::mutex mu;  // the mock API is thread-safe; this only orders create_topic's check-and-create

  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

std::shared_ptr<DevBroker> DevBroker::start(int brokers) {
  if (brokers < 1) throw std::invalid_argument("a dev broker needs at least one broker");
  auto impl = std::make_unique<Impl>();
  std::array<char, 512> err{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the mock cluster: it never connects anywhere.
  rd_kafka_conf_set(conf, "log_level", "3", err.data(), err.size());
  // The mock brokers' accepted connections take this handle's socket settings: without
  // TCP_NODELAY, a response written while the previous one is unacknowledged waits for the
  // client's delayed ACK (~40 ms stalls under pipelined produce requests).
  rd_kafka_conf_set(conf, "socket.nagle.disable", "true", err.data(), err.size());
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (impl->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot start the dev broker: ") + err.data());
  }
  impl->cluster = rd_kafka_mock_cluster_new(impl->rk, brokers);
  if (impl->cluster == nullptr) throw std::runtime_error("cannot start librdkafka's mock cluster");
  impl->brokers = brokers;
  return std::shared_ptr<DevBroker>(new DevBroker(std::move(impl)));
}

DevBroker::DevBroker(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), bootstrap_(rd_kafka_mock_cluster_bootstraps(impl_->cluster)) {}

DevBroker::~DevBroker() = default;

Result<void> DevBroker::create_topic(const std::string& name, int partitions,
                                     int replication_factor) {
  if (partitions < 1) return Error(Errc::bad_request, "num_partitions must be at least 1");
  if (replication_factor < 1 || replication_factor > impl_->brokers) {
    return Error(Errc::bad_request,
                 "replication_factor must be between 1 and " + std::to_string(impl_->brokers),
                 "the dev broker has " + std::to_string(impl_->brokers) + " broker(s)");
  }
  std::lock_guard lock(impl_->mu);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster, name.c_str(), partitions, replication_factor);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return detail::admin_error(err, "create topic " + name);
  return {};
}

Result<void> DevBroker::set_broker_down(int id) {
  if (id < 1 || id > impl_->brokers) {
    return Error(Errc::not_found, "no broker " + std::to_string(id));
  }
  rd_kafka_mock_broker_set_down(impl_->cluster, id);
  return {};
}

Result<void> DevBroker::set_broker_up(int id) {
  if (id < 1 || id > impl_->brokers) {
    return Error(Errc::not_found, "no broker " + std::to_string(id));
  }
  rd_kafka_mock_broker_set_up(impl_->cluster, id);
  return {};
}

}  // namespace throome::kafka
