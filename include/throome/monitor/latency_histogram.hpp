#pragma once

#include <cstdint>
#include <vector>

#include "throome/monitor/sharded_counters.hpp"

namespace throome::monitor {

/// Upper bounds (seconds) of every latency histogram: 50 µs to 10 s.
const std::vector<double>& latency_buckets();

/// Number of finite bounds in latency_buckets().
inline constexpr std::size_t kLatencyBuckets = 17;

/// A latency histogram over latency_buckets() with per-thread cells: observe() is two relaxed
/// atomic adds on the calling thread's cache line, no lock. Thread-safe.
class LatencyHistogram {
 public:
  /// Counts one observation of `seconds` (negative counts as 0).
  void observe(double seconds) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (= count)
    double sum_seconds = 0;
    std::uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
  };
  Snapshot snapshot() const;

 private:
  // Buckets (non-cumulative), +Inf, then the sum in nanoseconds.
  static constexpr std::size_t kSum = kLatencyBuckets + 1;
  ShardedCounters<kLatencyBuckets + 2> cells_;
};

}  // namespace throome::monitor
