#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "throome/monitor/backend_metrics.hpp"

namespace throome::monitor::detail {

/// What Metrics and its BackendMetrics handles share; outlives both (shared_ptr).
struct MetricsState {
  MetricsState();

  std::shared_ptr<prometheus::Registry> registry;  // throome_build_info

  mutable std::mutex mu;  // guards `backends` and `collectables`
  using Key = std::tuple<std::string, std::string, std::string>;  // cluster, service, type
  struct Entry {
    std::weak_ptr<BackendMetrics> handle;
    const BackendMetrics* raw = nullptr;  // identifies the handle that owns the entry
  };
  std::map<Key, Entry, std::less<>> backends;
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables;
};

}  // namespace throome::monitor::detail
