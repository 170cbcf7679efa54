#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"
#include "throome/config/cluster_codec.hpp"

namespace throome::cluster {

/// Cluster files on disk: <dir>/<id>/config.yaml. Writes are atomic (temp file, fsync, rename,
/// fsync of the directory), files 0600, directories 0700. Blocking: call it from a worker
/// thread, never from an IO thread.
class Store {
 public:
  /// Creates `dir` (0700) when missing. @throws std::filesystem::filesystem_error when it
  /// cannot (start-up only).
  explicit Store(std::filesystem::path dir);

  struct Loaded {
    config::ClusterConfig config;
    std::vector<config::ConfigIssue> warnings;
    std::filesystem::path file;
  };
  struct Failure {
    std::filesystem::path file;
    std::string reason;
  };
  struct LoadReport {
    std::vector<Loaded> clusters;
    std::vector<Failure> failures;
  };

  /// Reads every cluster. A broken file becomes a Failure with its reason; it is never
  /// modified. Leftovers of interrupted writes/deletes (temp files) are removed.
  LoadReport load_all() const;

  /// Writes the cluster atomically: the old file stays intact until the new one is complete.
  /// @return Errc::storage_failed with the OS reason when any step fails.
  Result<void> save(const config::ClusterConfig& cluster);

  /// Removes the cluster's directory (renamed away first, so a crash never leaves half).
  /// @return Errc::not_found when absent, Errc::storage_failed on an OS error.
  Result<void> remove(std::string_view id);

  bool exists(std::string_view id) const;
  std::filesystem::path file_for(std::string_view id) const;
  const std::filesystem::path& dir() const noexcept { return dir_; }

  /// Test seam: called with a stage name ("before_rename") during save().
  void set_fault_hook(std::function<void(std::string_view stage)> hook) {
    fault_hook_ = std::move(hook);
  }

 private:
  std::filesystem::path dir_;
  std::function<void(std::string_view)> fault_hook_;
};

}  // namespace throome::cluster
