#pragma once

#include <chrono>
#include <thread>

namespace throome::testing {

/// Polls `done()` every 20 ms until it returns true or `timeout` passes: awaiting a condition
/// that only an outside process (a daemon, a server) can make true.
/// @return the last result of done().
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace throome::testing
