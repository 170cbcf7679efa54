#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"
#include "throome/config/cluster_config.hpp"

namespace throome::kafka {
class DevBroker;
}

namespace throome::provision {

/// A service start() brought up: `fresh` when its data directory was created by that call
/// (a rollback removes it), false when existing data was reused (a rollback keeps it).
struct Started {
  std::string service;
  bool fresh = false;
  bool operator==(const Started&) const = default;
};

/// Local servers for the `provision: true` services of clusters (redis-server, PostgreSQL,
/// an in-process development Kafka broker). Thread-safe; every call but dev_broker() blocks
/// (process start, readiness checks): call them from a worker thread, never an IO thread.
class Provisioner {
 public:
  virtual ~Provisioner() = default;

  /// Makes every provisioned service of a cluster run: reuses a server that already runs with
  /// the same settings, restarts one whose settings changed, starts the others (existing data
  /// in the state dir is kept). What it chooses is written into both `written` (the config as
  /// stored) and `resolved` (the same config with `${ENV}` resolved): the port, a generated
  /// password when none is given, the default username and database of PostgreSQL.
  /// Each server answers a PING / SELECT 1 before this returns.
  /// @return what this call started; or, after stopping everything this call started,
  ///         Errc::validation_failed (a setting the provisioner cannot honour),
  ///         Errc::internal (a binary is missing: the message names its Debian package) or
  ///         Errc::backend_unavailable (a server did not start or answer in time; details hold
  ///         the tail of its log).
  virtual Result<std::vector<Started>> start(config::ClusterConfig& written,
                                             config::ClusterConfig& resolved) = 0;

  /// Undoes a start() whose cluster could not be stored: stops `started` and removes the data
  /// of the fresh ones.
  virtual void rollback(std::string_view cluster_id, const std::vector<Started>& started) = 0;

  /// Stops the cluster's servers whose service is not in `keep`. With `remove_data`, their data
  /// directories go too (and the cluster's state directory once it is empty).
  virtual void retain(std::string_view cluster_id, const std::vector<std::string>& keep,
                      bool remove_data) = 0;

  /// Stops every server and keeps their data (daemon shutdown).
  virtual void stop_all() = 0;

  /// @return the dev broker running for a provisioned kafka service, or null. Never blocks.
  virtual std::shared_ptr<kafka::DevBroker> dev_broker(std::string_view cluster_id,
                                                       std::string_view service) const = 0;
};

/// @return true when any service of `cfg` has `provision: true`.
bool has_provisioned_services(const config::ClusterConfig& cfg) noexcept;

}  // namespace throome::provision
