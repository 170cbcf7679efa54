#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "throome/provision/provisioner.hpp"

namespace throome::provision {

/// Where the local servers live and which binaries start them.
struct LocalOptions {
  /// Absolute; every service's data lives in <state_dir>/<cluster>/<service>/.
  std::filesystem::path state_dir;
  /// redis-server: a path, or a name looked up on PATH.
  std::string redis_server = "redis-server";
  /// Directory holding initdb and postgres; empty: PATH, then /usr/lib/postgresql/<newest>/bin.
  std::string postgres_bin_dir;
  /// How long one server may take to answer its first PING / SELECT 1 (initdb excluded).
  std::chrono::milliseconds start_timeout{60'000};
};

class LocalServer;
class Spawner;

/// The provisioner of a daemon: child processes (own process group, logs and a pid file in
/// their data directory, a parent-death signal so they never outlive the daemon) and
/// in-process dev Kafka brokers.
class LocalProvisioner final : public Provisioner {
 public:
  explicit LocalProvisioner(LocalOptions options);
  /// Stops every server (as stop_all()).
  ~LocalProvisioner() override;
  LocalProvisioner(const LocalProvisioner&) = delete;
  LocalProvisioner& operator=(const LocalProvisioner&) = delete;

  Result<std::vector<Started>> start(config::ClusterConfig& written,
                                     config::ClusterConfig& resolved) override;
  void rollback(std::string_view cluster_id, const std::vector<Started>& started) override;
  void retain(std::string_view cluster_id, const std::vector<std::string>& keep,
              bool remove_data) override;
  void stop_all() override;
  std::shared_ptr<kafka::DevBroker> dev_broker(std::string_view cluster_id,
                                               std::string_view service) const override;

  /// <state_dir>/<cluster>/<service>.
  std::filesystem::path service_dir(std::string_view cluster_id, std::string_view service) const;

 private:
  struct Running {
    config::ServiceType type = config::ServiceType::redis;
    std::unique_ptr<LocalServer> server;
    std::string fingerprint;       // settings it runs with; a change restarts it
    std::string written_password;  // as stored, to keep a generated one on a PUT without it
    std::string resolved_password;
  };
  using ClusterServers = std::map<std::string, Running, std::less<>>;

  void stop_locked(std::string_view cluster_id, ClusterServers& servers, const std::string& name,
                   bool remove_data);
  void rollback_locked(std::string_view cluster_id, ClusterServers& servers,
                       const std::vector<Started>& started);
  void remove_cluster_dir_if_empty(std::string_view cluster_id) const;

  LocalOptions options_;
  std::string path_var_;  // the daemon's PATH, for binary look-ups
  std::unique_ptr<Spawner> spawner_;
  mutable std::mutex mu_;
  std::map<std::string, ClusterServers, std::less<>> clusters_;
};

}  // namespace throome::provision
