#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace throome::testing {

/// A free TCP port on 127.0.0.1 right now (bound to port 0, then released). Servers started
/// on it retry with another port if it was taken in between.
std::uint16_t free_loopback_port();

/// Starts `argv` (looked up on PATH) with stdout and stderr appended to `log_file` and stdin
/// from /dev/null. @return its PID. Throws std::runtime_error when it cannot be started.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_file);

/// Sends `sig` to `pid` and reaps it, with SIGKILL after `grace`. No-op for pid <= 0.
void stop_process(pid_t pid, int sig = SIGTERM,
                  std::chrono::seconds grace = std::chrono::seconds(10));

/// A private redis-server on 127.0.0.1 and a free port, data in a temp dir. Started once per
/// test binary through a shared fixture; stopped (by PID) on destruction.
class RedisServer {
 public:
  struct Options {
    std::string password;            // requirepass when set
    std::vector<std::string> extra;  // more redis-server arguments
  };
  RedisServer() : RedisServer(Options{}) {}
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// Runs redis-cli against this server. @return its stdout without the trailing newline.
  std::string cli(const std::vector<std::string>& args) const;
  /// Stops the server (SIGTERM, then SIGKILL), keeping the port for start().
  void stop();
  /// Starts again on the same port.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  bool try_start();
  Options options_;
  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// Blocks until something accepts TCP connections on 127.0.0.1:port or the deadline passes.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace throome::testing
