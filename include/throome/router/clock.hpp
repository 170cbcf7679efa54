#pragma once

#include <chrono>
#include <functional>

namespace throome::router {

/// Injectable monotonic clock (tests drive time by hand).
using Clock = std::function<std::chrono::steady_clock::time_point()>;

inline std::chrono::steady_clock::time_point steady_clock_now() {
  return std::chrono::steady_clock::now();
}

}  // namespace throome::router
