#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace throome::monitor {

/// Lets an identical log line through at most once per window; the next one let through
/// says how many were held back. Bounded memory. Thread-safe.
class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogRateLimiter(Clock::duration window = std::chrono::seconds(10),
                          std::size_t max_lines = 1024);

  /// @return nullopt when `line` must be suppressed; else how many identical lines were
  ///         suppressed since it was last let through (0 the first time).
  std::optional<std::size_t> admit(std::string_view line, Clock::time_point now = Clock::now());

 private:
  struct State {
    Clock::time_point written;
    std::size_t suppressed = 0;
  };
  Clock::duration window_;
  std::size_t max_lines_;
  std::mutex mu_;
  std::unordered_map<std::string, State> lines_;
};

/// Logs `line` at `level` through the default spdlog logger, at most once per 10 s for
/// identical lines (one process-wide limiter): "<line> (N identical lines suppressed)".
void log_limited(spdlog::level::level_enum level, std::string_view line);

}  // namespace throome::monitor
