#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "throome/cluster/cluster.hpp"
#include "throome/common/shared_slot.hpp"

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

/// The live set of clusters. Readers copy the current snapshot's pointer (a few nanoseconds
/// under a lock no writer holds for longer); writers (rare: admin calls, reload) copy, modify
/// and swap it under a mutex of their own.
class Registry {
 public:
  Registry();

  /// @return the current snapshot; never null. Thread-safe.
  SnapshotPtr snapshot() const { return current_.load(); }
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

  SharedSlot<const Snapshot> current_;
  std::mutex write_mu_;
};

}  // namespace throome::cluster
