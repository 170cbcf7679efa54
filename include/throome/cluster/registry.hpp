#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "throome/cluster/cluster.hpp"

namespace throome::cluster {

/// An immutable view of every cluster at one moment.
struct Snapshot {
  std::map<std::string, ClusterPtr, std::less<>> clusters;
  std::uint64_t version = 0;

  /// @return the cluster with `id`, or nullptr.
  ClusterPtr find(std::string_view id) const {
    auto it = clusters.find(id);
    return it == clusters.end() ? nullptr : it->second;
  }
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

/// The live set of clusters. Readers take the current snapshot with one atomic load and never
/// block writers; writers (rare: admin calls, reload) copy, modify and swap under a mutex.
class Registry {
 public:
  Registry();

  /// @return the current snapshot; never null. Thread-safe, no lock.
  SnapshotPtr snapshot() const noexcept { return current_.load(std::memory_order_acquire); }
  /// @return the cluster `id` in the current snapshot, or nullptr.
  ClusterPtr find(std::string_view id) const { return snapshot()->find(id); }

  /// Inserts or replaces a cluster.
  void upsert(ClusterPtr cluster);
  /// @return false when no cluster had that id.
  bool erase(std::string_view id);
  /// Replaces the whole set.
  void replace_all(std::vector<ClusterPtr> clusters);

 private:
  template <class F>
  void modify(F&& f);

  std::atomic<SnapshotPtr> current_;
  std::mutex write_mu_;
};

}  // namespace throome::cluster
