#include "throome/router/health_tracker.hpp"

namespace throome::router {

void HealthTracker::on_success() {
  std::lock_guard lock(mu_);
  failures_ = 0;
  last_error_.clear();
  healthy_.store(true, std::memory_order_relaxed);
}

void HealthTracker::on_failure(std::string reason) {
  std::lock_guard lock(mu_);
  last_error_ = std::move(reason);
  if (++failures_ >= options_.threshold) healthy_.store(false, std::memory_order_relaxed);
}

std::string HealthTracker::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

int HealthTracker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace throome::router
