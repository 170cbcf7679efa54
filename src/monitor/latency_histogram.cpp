#include "throome/monitor/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace throome::monitor {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> kBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                            0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                            0.5,     1,      2.5,     5,      10};
  return kBuckets;
}

std::size_t metric_shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine =
      next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return mine;
}

void LatencyHistogram::observe(double seconds) noexcept {
  if (!(seconds > 0)) seconds = 0;  // also NaN
  const auto& bounds = latency_buckets();
  // The first bound >= seconds (Prometheus buckets are "less than or equal").
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), seconds);
  cells_.add(static_cast<std::size_t>(it - bounds.begin()));
  cells_.add(kSum, static_cast<std::uint64_t>(std::llround(std::min(seconds, 1e9) * 1e9)));
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(kLatencyBuckets + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= kLatencyBuckets; ++i) {
    running += cells_.total(i);
    s.cumulative.push_back(running);
  }
  s.sum_seconds = static_cast<double>(cells_.total(kSum)) / 1e9;
  return s;
}

}  // namespace throome::monitor
