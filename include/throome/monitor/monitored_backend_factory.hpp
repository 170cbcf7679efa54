#pragma once

#include <memory>

#include "throome/cluster/backends.hpp"

namespace throome::monitor {

class ActivityLog;
class Metrics;

/// Decorates another BackendFactory: every adapter it builds is wrapped so that each call
/// is measured (throome_backend_* series of its cluster and service, resolved here, once per
/// cluster build) and, when `activity` is set, recorded in the activity log. Handlers see
/// the wrapped adapters and need no monitoring code of their own.
class MonitoredBackendFactory final : public cluster::BackendFactory {
 public:
  /// `activity` may be null (no activity log).
  MonitoredBackendFactory(std::shared_ptr<cluster::BackendFactory> inner,
                          std::shared_ptr<Metrics> metrics, std::shared_ptr<ActivityLog> activity);

  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override;

 private:
  std::shared_ptr<cluster::BackendFactory> inner_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<ActivityLog> activity_;
};

}  // namespace throome::monitor
