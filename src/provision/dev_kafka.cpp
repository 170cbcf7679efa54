#include <spdlog/spdlog.h>

#include <memory>

#include "provision/local_server.hpp"
#include "provision/ports.hpp"
#include "throome/adapters/kafka/dev_broker.hpp"

namespace throome::provision {
namespace {

class DevKafka final : public LocalServer {
 public:
  DevKafka(std::shared_ptr<kafka::DevBroker> broker, int port)
      : broker_(std::move(broker)), port_(port) {}
  int port() const override { return port_; }
  void stop() override { broker_.reset(); }  // the last holder (a client) closes it
  std::shared_ptr<kafka::DevBroker> dev_broker() const override { return broker_; }

 private:
  std::shared_ptr<kafka::DevBroker> broker_;
  int port_;
};

}  // namespace

Result<std::unique_ptr<LocalServer>> start_dev_kafka(const StartContext&, const ServiceSpec& spec) {
  std::shared_ptr<kafka::DevBroker> broker;
  try {
    broker = kafka::DevBroker::start(1);
  } catch (const std::exception& e) {
    return Error(Errc::backend_unavailable,
                 "provisioning service \"" + spec.name +
                     "\" failed: cannot start the dev Kafka broker: " + e.what());
  }
  // librdkafka's mock cluster binds an ephemeral port of its choosing: "127.0.0.1:<port>".
  const auto& bootstrap = broker->bootstrap();
  const auto colon = bootstrap.rfind(':');
  const int port = colon == std::string::npos ? 0 : std::atoi(bootstrap.c_str() + colon + 1);
  if (port <= 0 || !detail::port_accepts(port)) {
    return Error(Errc::backend_unavailable, "provisioning service \"" + spec.name +
                                                "\" failed: the dev Kafka broker does not accept "
                                                "connections on " +
                                                bootstrap);
  }
  spdlog::warn(
      "provision: {}/{} is a DEVELOPMENT-ONLY Kafka broker (librdkafka's in-process mock "
      "cluster) on {}: data lives in memory and is lost when the daemon stops",
      spec.cluster_id, spec.name, bootstrap);
  return std::unique_ptr<LocalServer>(std::make_unique<DevKafka>(std::move(broker), port));
}

}  // namespace throome::provision
