#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace throome::router {

/// Health from active checks and passive call results: `threshold` consecutive failures mark
/// a backend down; one success marks it up. Starts up (optimistic) until proven otherwise.
class HealthTracker {
 public:
  struct Options {
    int threshold = 3;
  };
  explicit HealthTracker(Options options) : options_(options) {}

  bool healthy() const noexcept { return healthy_.load(std::memory_order_relaxed); }
  void on_success();
  void on_failure(std::string reason);
  /// The last failure's reason ("" when the last result was a success).
  std::string last_error() const;
  int consecutive_failures() const;

 private:
  Options options_;
  std::atomic<bool> healthy_{true};
  mutable std::mutex mu_;
  int failures_ = 0;
  std::string last_error_;
};

}  // namespace throome::router
