#pragma once

#include <chrono>
#include <mutex>
#include <string_view>

#include "throome/router/clock.hpp"

namespace throome::router {

/// closed → open after `failure_threshold` consecutive failures → half-open once
/// `reset_timeout` has passed (one trial request) → closed on its success, open again on its
/// failure. An open breaker refuses at once, without touching the backend. Thread-safe.
class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  struct Options {
    bool enabled = true;
    int failure_threshold = 5;
    std::chrono::milliseconds reset_timeout{60'000};
  };

  explicit CircuitBreaker(Options options, Clock clock = steady_clock_now);

  /// May a request go now? In half-open this takes the single trial slot.
  bool allow();
  /// Would allow() say yes (without taking the trial slot)?
  bool would_allow() const;
  void on_success();
  void on_failure();
  State state() const;
  static std::string_view to_string(State s) noexcept;

 private:
  State state_locked() const;

  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  State state_ = State::closed;
  int failures_ = 0;
  bool trial_in_flight_ = false;
  std::chrono::steady_clock::time_point opened_at_{};
};

}  // namespace throome::router
