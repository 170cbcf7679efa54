#include "throome/router/circuit_breaker.hpp"

namespace throome::router {

CircuitBreaker::CircuitBreaker(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

CircuitBreaker::State CircuitBreaker::state_locked() const {
  if (state_ == State::open && clock_() - opened_at_ >= options_.reset_timeout) {
    return State::half_open;
  }
  return state_;
}

bool CircuitBreaker::allow() {
  if (!options_.enabled) return true;
  std::lock_guard lock(mu_);
  switch (state_locked()) {
    case State::closed:
      return true;
    case State::open:
      return false;
    case State::half_open:
      state_ = State::half_open;
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

bool CircuitBreaker::would_allow() const {
  if (!options_.enabled) return true;
  std::lock_guard lock(mu_);
  const auto s = state_locked();
  return s == State::closed || (s == State::half_open && !trial_in_flight_);
}

void CircuitBreaker::on_success() {
  if (!options_.enabled) return;
  std::lock_guard lock(mu_);
  failures_ = 0;
  trial_in_flight_ = false;
  state_ = State::closed;
}

void CircuitBreaker::on_failure() {
  if (!options_.enabled) return;
  std::lock_guard lock(mu_);
  const auto s = state_locked();
  if (s == State::half_open) {
    // The trial failed: open again for another reset_timeout.
    state_ = State::open;
    opened_at_ = clock_();
    trial_in_flight_ = false;
    return;
  }
  if (s == State::open) return;
  if (++failures_ >= options_.failure_threshold) {
    state_ = State::open;
    opened_at_ = clock_();
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_locked();
}

std::string_view CircuitBreaker::to_string(State s) noexcept {
  switch (s) {
    case State::closed:
      return "closed";
    case State::open:
      return "open";
    case State::half_open:
      return "half_open";
  }
  return "closed";
}

}  // namespace throome::router
