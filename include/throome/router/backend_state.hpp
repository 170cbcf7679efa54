#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "throome/router/circuit_breaker.hpp"
#include "throome/router/health_tracker.hpp"

namespace throome::router {

/// What the router knows about one backend (a service or a replica): in-flight requests,
/// health, breaker and a latency/error model. Thread-safe; shared by every request of a
/// cluster snapshot.
class BackendState {
 public:
  BackendState(std::string name, int weight, CircuitBreaker::Options breaker,
               HealthTracker::Options health, Clock clock = steady_clock_now);

  const std::string& name() const noexcept { return name_; }
  int weight() const noexcept { return weight_; }

  /// True when a request may be sent now: healthy and the breaker lets it through.
  bool available() { return health_.healthy() && breaker_.allow(); }
  /// Like available() but without consuming a half-open trial (for views and strategies).
  bool selectable() const { return health_.healthy() && breaker_.would_allow(); }

  std::uint32_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  void begin() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  /// Ends a request: updates breaker, passive health and the latency model.
  void end(bool success, std::chrono::nanoseconds latency);

  /// Exponentially weighted latency (seconds) and error rate; observations seen.
  struct Model {
    double latency_s = 0;
    double error_rate = 0;
    std::uint64_t observations = 0;
  };
  Model model() const;

  CircuitBreaker& breaker() noexcept { return breaker_; }
  const CircuitBreaker& breaker() const noexcept { return breaker_; }
  HealthTracker& health() noexcept { return health_; }
  const HealthTracker& health() const noexcept { return health_; }

  /// Smoothing factor of the model (weight of the newest observation).
  static constexpr double kAlpha = 0.2;

 private:
  std::string name_;
  int weight_;
  std::atomic<std::uint32_t> in_flight_{0};
  CircuitBreaker breaker_;
  HealthTracker health_;
  mutable std::mutex model_mu_;
  Model model_;
};

}  // namespace throome::router
