#pragma once

#include <memory>
#include <string>

namespace throome::monitor {
class ActivityLog;
class Metrics;
}  // namespace throome::monitor

namespace throome::api {

/// What the observability routes read, wired once by the daemon (monitoring.* settings).
struct Monitoring {
  /// Where Prometheus scrapes (monitoring.metrics_path); empty: not served.
  std::string metrics_path = "/metrics";
  /// The registry; null when monitoring is disabled (the metrics views then answer 404).
  std::shared_ptr<monitor::Metrics> metrics;
  /// The activity ring; null when disabled (the activity views then answer 404).
  std::shared_ptr<monitor::ActivityLog> activity;
};

}  // namespace throome::api
