#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"
#include "throome/monitor/latency_histogram.hpp"
#include "throome/monitor/sharded_counters.hpp"

namespace throome::monitor {

namespace detail {
struct MetricsState;
}

/// How one backend call ended: the `outcome` label of throome_backend_requests_total.
enum class Outcome : std::uint8_t {
  success,      // the backend answered
  error,        // the backend answered with an error (Redis error reply, SQL error)
  timeout,      // no answer in time
  unavailable,  // not connected / connection lost
  overloaded,   // rejected by a bounded queue before it was sent
};
inline constexpr std::size_t kOutcomeCount = 5;

/// "success", "error", "timeout", "unavailable", "overloaded".
std::string_view outcome_name(Outcome outcome) noexcept;
/// The outcome of a failed call with `code` (Errc::backend_error → error, ...).
Outcome outcome_of(Errc code) noexcept;

/// The series of one operation of one backend, resolved once: outcome counters and a latency
/// histogram in per-thread cells. Thread-safe, lock-free.
class OperationMetrics {
 public:
  explicit OperationMetrics(std::string name) : name_(std::move(name)) {}

  /// Counts one call and its duration.
  void observe(Outcome outcome, double seconds) {
    requests_.add(static_cast<std::size_t>(outcome));
    duration_.observe(seconds);
  }
  /// Calls counted with `outcome` so far.
  std::uint64_t count(Outcome outcome) const {
    return requests_.total(static_cast<std::size_t>(outcome));
  }
  LatencyHistogram::Snapshot duration() const { return duration_.snapshot(); }

  const std::string& name() const noexcept { return name_; }

  /// Totals read back from the series (for the JSON views).
  struct Stats {
    std::string name;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;  // every outcome but success
    double seconds_sum = 0;
    std::vector<std::uint64_t> cumulative;  // per bucket of latency_buckets(), then +Inf
  };
  Stats stats() const;

 private:
  std::string name_;
  ShardedCounters<kOutcomeCount> requests_;
  LatencyHistogram duration_;
};

/// The series of one backend: (cluster, service, type). Obtained from Metrics::backend()
/// once per cluster build and kept by the backend's adapter; operations are resolved on
/// first use and cached (reads take no lock). Exposed by Metrics::scrape() while a handle is
/// alive. Thread-safe.
class BackendMetrics {
 public:
  /// At most this many distinct operation names per backend; later ones count as "other".
  static constexpr std::size_t kMaxOperations = 64;

  BackendMetrics(std::shared_ptr<detail::MetricsState> state, std::string cluster,
                 std::string service, std::string type);
  ~BackendMetrics();
  BackendMetrics(const BackendMetrics&) = delete;
  BackendMetrics& operator=(const BackendMetrics&) = delete;

  const std::string& cluster() const noexcept { return cluster_; }
  const std::string& service() const noexcept { return service_; }
  const std::string& type() const noexcept { return type_; }

  /// The series of `name` (e.g. a Redis command; case-insensitive, exposed in lower case).
  /// A name that is empty, longer than 32 characters or not [A-Za-z0-9_.|-] is "other".
  OperationMetrics& operation(std::string_view name);

  /// throome_backend_in_flight: +1 when a call starts, -1 when it ends.
  void call_started() { in_flight_.add(1); }
  void call_finished() { in_flight_.add(-1); }
  std::int64_t in_flight() const { return in_flight_.value(); }

  /// Remembers the latency of the latest finished call, and its error message if it failed.
  void note_result(std::chrono::nanoseconds latency, const std::string* error);
  /// @return the latency of the latest finished call, or nullopt before the first one.
  std::optional<std::chrono::nanoseconds> last_latency() const;
  /// @return the message of the latest failed call ("" when none failed yet).
  std::string last_error() const;

  /// Stats of every operation used so far, in first-use order.
  std::vector<OperationMetrics::Stats> stats() const;
  /// Every operation used so far, in first-use order (valid while this handle lives).
  std::vector<const OperationMetrics*> operations() const;

 private:
  OperationMetrics* find(std::string_view lower_name) const;

  std::shared_ptr<detail::MetricsState> state_;
  std::string cluster_;
  std::string service_;
  std::string type_;
  ShardedGauge in_flight_;

  // Published with release; read without a lock.
  std::array<std::atomic<OperationMetrics*>, kMaxOperations + 1> ops_{};
  std::atomic<std::size_t> op_count_{0};
  std::mutex add_mu_;  // serializes additions
  std::vector<std::unique_ptr<OperationMetrics>> owned_;

  std::atomic<std::int64_t> last_latency_ns_{-1};
  mutable std::mutex error_mu_;
  std::string last_error_;
};

}  // namespace throome::monitor
