#include "throome/monitor/log_rate_limiter.hpp"

#include <spdlog/spdlog.h>

namespace throome::monitor {

LogRateLimiter::LogRateLimiter(Clock::duration window, std::size_t max_lines)
    : window_(window), max_lines_(max_lines) {}

std::optional<std::size_t> LogRateLimiter::admit(std::string_view line, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = lines_.find(std::string(line));
  if (it != lines_.end()) {
    if (now - it->second.written < window_) {
      ++it->second.suppressed;
      return std::nullopt;
    }
    const std::size_t held = it->second.suppressed;
    it->second = State{now, 0};
    return held;
  }
  if (lines_.size() >= max_lines_) {
    // Forget lines whose window is over; if every line is recent, start afresh.
    for (auto i = lines_.begin(); i != lines_.end();) {
      i = now - i->second.written >= window_ ? lines_.erase(i) : std::next(i);
    }
    if (lines_.size() >= max_lines_) lines_.clear();
  }
  lines_.emplace(std::string(line), State{now, 0});
  return 0;
}

void log_limited(spdlog::level::level_enum level, std::string_view line) {
  // Never destroyed: library threads (librdkafka's) may still log during static destruction.
  static auto* const limiter = new LogRateLimiter();
  const auto admitted = limiter->admit(line);
  if (!admitted) return;
  if (*admitted == 0) {
    spdlog::log(level, "{}", line);
  } else {
    spdlog::log(level, "{} ({} identical lines suppressed)", line, *admitted);
  }
}

}  // namespace throome::monitor
