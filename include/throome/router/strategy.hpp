#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "throome/config/cluster_config.hpp"

namespace throome::router {

/// What a strategy may look at for one candidate backend. Built per pick by the router from
/// the live BackendState; strategies stay sans-io and unit-testable.
struct Candidate {
  int weight = 1;
  std::uint32_t in_flight = 0;
  double latency_s = 0;   // EWMA of observed latency
  double error_rate = 0;  // EWMA of failures (0..1)
  std::uint64_t observations = 0;
  bool usable = true;  // healthy, breaker closed/half-open, not already tried
};

/// Chooses one backend among the usable candidates. Thread-safe.
class Strategy {
 public:
  virtual ~Strategy() = default;
  /// @return the index of the chosen candidate, or nullopt when none is usable. `key` is the
  ///         cache key for consistent hashing (may be empty).
  virtual std::optional<std::size_t> pick(std::span<const Candidate> candidates,
                                          std::string_view key) = 0;
  /// The strategy's own view (e.g. predicted latency per backend) for the health endpoint.
  virtual nlohmann::json view(std::span<const Candidate> candidates) const;
  virtual std::string_view name() const noexcept = 0;
};

/// Builds the cluster's strategy for backends with these names and weights (in order).
/// `seed` makes random choices reproducible (tests); 0 = random.
std::unique_ptr<Strategy> make_strategy(const config::RoutingConfig& routing,
                                        const config::AiConfig& ai,
                                        const std::vector<std::string>& names,
                                        const std::vector<int>& weights, std::uint64_t seed = 0);

/// 64-bit hash used by the consistent-hash ring (FNV-1a with a splitmix64 finaliser).
std::uint64_t hash64(std::string_view data) noexcept;

}  // namespace throome::router
