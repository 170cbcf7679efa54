#include "throome/router/backend_state.hpp"

namespace throome::router {

BackendState::BackendState(std::string name, int weight, CircuitBreaker::Options breaker,
                           HealthTracker::Options health, Clock clock)
    : name_(std::move(name)),
      weight_(weight),
      breaker_(breaker, std::move(clock)),
      health_(health) {}

void BackendState::end(bool success, std::chrono::nanoseconds latency) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (success) {
    breaker_.on_success();
    health_.on_success();
  } else {
    breaker_.on_failure();
    health_.on_failure("request failed");
  }
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(model_mu_);
  if (model_.observations == 0) {
    model_.latency_s = seconds;
    model_.error_rate = success ? 0.0 : 1.0;
  } else {
    model_.latency_s += kAlpha * (seconds - model_.latency_s);
    model_.error_rate += kAlpha * ((success ? 0.0 : 1.0) - model_.error_rate);
  }
  ++model_.observations;
}

BackendState::Model BackendState::model() const {
  std::lock_guard lock(model_mu_);
  return model_;
}

}  // namespace throome::router
