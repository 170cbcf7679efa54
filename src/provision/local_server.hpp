#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "throome/common/error.hpp"
#include "throome/provision/local_provisioner.hpp"

namespace throome::kafka {
class DevBroker;
}

namespace throome::provision {

/// One provisioned service to bring up (credentials resolved).
struct ServiceSpec {
  std::string cluster_id;
  std::string name;
  std::filesystem::path dir;  // <state_dir>/<cluster>/<service>
  int port = 0;               // 0: pick a free one
  std::string username;
  std::string password;
  std::string database;
};

/// A running provisioned server. stop() is idempotent; the destructor stops it.
class LocalServer {
 public:
  virtual ~LocalServer() = default;
  /// The port it listens on (127.0.0.1).
  virtual int port() const = 0;
  /// Stops it and waits until it is gone; data is kept.
  virtual void stop() = 0;
  /// The in-process broker of a dev Kafka service, else null.
  virtual std::shared_ptr<kafka::DevBroker> dev_broker() const { return nullptr; }
};

/// What a server start needs from its provisioner.
struct StartContext {
  const LocalOptions& options;
  Spawner& spawner;
  std::string path_var;  // PATH of the daemon, for binary look-ups
};

/// Each starts one server and waits until it answers, or fails with Errc::internal (missing
/// binary), Errc::validation_failed or Errc::backend_unavailable (with the log tail), leaving
/// nothing running.
Result<std::unique_ptr<LocalServer>> start_redis(const StartContext& ctx, const ServiceSpec& spec);
Result<std::unique_ptr<LocalServer>> start_postgres(const StartContext& ctx,
                                                    const ServiceSpec& spec);
Result<std::unique_ptr<LocalServer>> start_dev_kafka(const StartContext& ctx,
                                                     const ServiceSpec& spec);

}  // namespace throome::provision
