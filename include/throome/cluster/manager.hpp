#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "throome/cluster/cluster.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/common/error.hpp"
#include "throome/config/cluster_codec.hpp"
#include "throome/config/env.hpp"
#include "throome/provision/provisioner.hpp"

namespace throome::cluster {

/// Cluster lifecycle: validates, persists (Store) and publishes (Registry) every change, in
/// that order, so an acknowledged change survives a restart and a failed one changes nothing.
/// Mutations are serialized and block on disk I/O (and, with a provisioner, on starting local
/// servers for `provision: true` services): call them from a worker thread.
class Manager {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  /// `backends` builds each cluster's adapters; null means clusters have none (tests).
  /// `provisioner` starts the local servers of `provision: true` services before a cluster is
  /// stored or loaded, and stops them when it goes; null leaves such services alone.
  Manager(Store& store, Registry& registry, config::EnvLookup env, Clock clock = {},
          std::shared_ptr<BackendFactory> backends = nullptr,
          std::shared_ptr<provision::Provisioner> provisioner = nullptr);

  struct LoadSummary {
    std::size_t loaded = 0;
    std::vector<Store::Failure> failures;
  };

  /// Loads every cluster file into the registry (start-up). Broken files are skipped and
  /// reported; a cluster whose `${ENV}` cannot be resolved, or whose provisioned servers do
  /// not start, is skipped too. What the provisioner chose (ports, passwords) is saved.
  LoadSummary load();

  /// Re-reads the clusters dir (SIGHUP): new files appear, removed ones go, changed ones are
  /// replaced; a file that became broken keeps its last good version running.
  LoadSummary reload();

  /// Creates a cluster. An empty cluster_id is generated from the name. Provisioned services
  /// are started and answer before it is stored; on any failure they are stopped again and
  /// nothing is written.
  /// @return the new cluster, or Errc::conflict (id taken), Errc::validation_failed (env
  ///         reference unresolvable), Errc::storage_failed, or a provisioning failure
  ///         (see provision::Provisioner::start).
  Result<ClusterPtr> create(config::ClusterConfig cfg);

  /// Replaces cluster `id`. A password given as the redaction marker keeps the stored one.
  /// @return the new cluster, or Errc::not_found, Errc::bad_request (id mismatch), ...
  Result<ClusterPtr> update(std::string_view id, config::ClusterConfig cfg);

  /// Deletes cluster `id` and stops its provisioned servers (their data is removed).
  /// @return Errc::not_found or Errc::storage_failed on failure.
  Result<void> remove(std::string_view id);

  /// Checks what create() would check beyond parsing (`${ENV}` references resolve), without
  /// changing anything. @return Errc::validation_failed naming the field and variable.
  Result<void> check(const config::ClusterConfig& cfg) const;

  /// Failures of the last load/reload (for /readyz and logs).
  std::vector<Store::Failure> last_failures() const;

  Registry& registry() noexcept { return registry_; }

 private:
  struct Built {
    ClusterPtr cluster;
    std::vector<provision::Started> started;  // provisioned servers this build started
  };
  Result<Built> build(config::ClusterConfig cfg) const;
  /// Stops the provisioned servers of `id` that `cfg` no longer provisions (data removed).
  void retain_provisioned(std::string_view id, const config::ClusterConfig* cfg,
                          bool remove_data) const;
  std::string now_rfc3339() const;
  std::string generate_id(std::string_view name, const Snapshot& current) const;

  Store& store_;
  Registry& registry_;
  config::EnvLookup env_;
  Clock clock_;
  std::shared_ptr<BackendFactory> backends_;
  std::shared_ptr<provision::Provisioner> provisioner_;
  std::mutex mu_;
  mutable std::mutex failures_mu_;
  std::vector<Store::Failure> failures_;
};

}  // namespace throome::cluster
