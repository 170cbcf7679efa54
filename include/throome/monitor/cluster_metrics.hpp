#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "throome/cluster/cluster.hpp"

namespace throome::monitor {

class Metrics;

/// The q-quantile (0 < q < 1) of a histogram with finite upper `bounds` and `cumulative`
/// counts (one per bound, then +Inf), interpolated linearly inside its bucket as Prometheus's
/// histogram_quantile() does; in the +Inf bucket, the largest finite bound.
/// @return nullopt when the histogram is empty or the sizes disagree.
std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                         const std::vector<std::uint64_t>& cumulative);

/// The body of GET /api/v1/clusters/{id}/metrics: requests, errors, avg_response_ms,
/// p95_response_ms, active_services, a per-service breakdown and per-operation counts, all
/// from the backend series since the cluster's backends were built. p95 is interpolated from
/// the latency histograms (buckets of latency_buckets()).
nlohmann::json cluster_metrics_json(const cluster::Cluster& cluster, const Metrics& metrics);

}  // namespace throome::monitor
