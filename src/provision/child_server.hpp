#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "provision/child_process.hpp"
#include "provision/local_server.hpp"

namespace throome::provision {

/// A provisioned server that is a child process of the daemon, recorded in a pid file.
class ChildServer final : public LocalServer {
 public:
  ChildServer(detail::PidRecord record, std::filesystem::path pid_file, int port, int stop_signal,
              std::string what);
  ~ChildServer() override;
  int port() const override { return port_; }
  void stop() override;
  /// Drops a process that already exited and was reaped (removes the pid file).
  void forget();

 private:
  detail::PidRecord record_;
  std::filesystem::path pid_file_;
  int port_;
  int stop_signal_;
  std::string what_;
};

/// How to launch one kind of child server and tell when it is ready.
struct LaunchPlan {
  std::string what;     // "redis-server", "postgres": in messages
  std::string package;  // Debian package, in messages
  std::filesystem::path log_file;
  std::filesystem::path pid_file;
  int stop_signal = 15;
  std::string port_taken_marker;  // log text of a bind failure: retry another free port
  /// The command line for a port (argv[0] absolute).
  std::function<std::vector<std::string>(int port)> argv_for;
  /// Runs before each spawn (writes config files). An error aborts the start.
  std::function<Result<void>(int port)> prepare;
  /// One readiness probe: true when the server answers, false when not yet; an error fails the
  /// start at once (e.g. a setup statement was rejected).
  std::function<Result<bool>(int port, std::string& last_error)> probe;
};

/// Stops a server a previous daemon left running (its pid file names a live process), then
/// starts the plan's server on spec.port (or a free port, retried when taken meanwhile) and
/// waits for it to answer within options.start_timeout. Nothing is left running on failure.
Result<std::unique_ptr<LocalServer>> launch(const StartContext& ctx, const ServiceSpec& spec,
                                            const LaunchPlan& plan);

/// Stops a live process recorded in `pid_file` (left by a daemon that was killed), logging it.
void take_over_stale(const std::filesystem::path& pid_file, int stop_signal,
                     const std::string& what);

/// The error of a server that did not come up: the message names the service, details carry
/// the log file and the tail of the server's own log.
Error start_failure(const ServiceSpec& spec, const std::string& what, const std::string& reason,
                    const std::filesystem::path& log_file);

}  // namespace throome::provision
