#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "throome/monitor/latency_histogram.hpp"

namespace prometheus {
class Registry;
class Collectable;
}  // namespace prometheus

namespace throome::monitor {

class BackendMetrics;

namespace detail {
struct MetricsState;
}

/// The gateway's metrics, built once at start-up on prometheus-cpp: a registry
/// (`throome_build_info`), the throome_backend_* families of every live BackendMetrics
/// handle, and the collectors added by the daemon (HTTP, process, gateway state), all
/// serialized by scrape() with prometheus-cpp's TextSerializer and served by our own HTTP
/// server. Hot-path values live in per-thread cells (no lock, no shared cache line) and are
/// summed at scrape time. Thread-safe.
class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The prometheus-cpp registry collected by scrape() (for families kept in it).
  std::shared_ptr<prometheus::Registry> registry() const;

  /// The series of one backend (cluster, service, type), resolved once and shared: every
  /// caller asking for the same labels while a handle is alive gets the same handle. When the
  /// last handle goes (the cluster was deleted or rebuilt without that service) its series
  /// leave the exposition.
  std::shared_ptr<BackendMetrics> backend(const std::string& cluster, const std::string& service,
                                          const std::string& type);
  /// @return the live handle of (cluster, service), or nullptr.
  std::shared_ptr<BackendMetrics> find_backend(std::string_view cluster,
                                               std::string_view service) const;
  /// @return every live handle of `cluster`, ordered by service name.
  std::vector<std::shared_ptr<BackendMetrics>> backends_of(std::string_view cluster) const;

  /// Adds a collector asked for its families at every scrape (after the registry's).
  void add_collectable(std::shared_ptr<const prometheus::Collectable> collectable);

  /// The text exposition format 0.0.4 of every family.
  std::string scrape() const;

  /// The Content-Type of scrape().
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::shared_ptr<detail::MetricsState> state_;
};

}  // namespace throome::monitor
