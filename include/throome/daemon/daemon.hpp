#pragma once

#include <memory>
#include <string>

#include "throome/config/app_config.hpp"

namespace throome::daemon {

struct DaemonOptions {
  /// When set, "host:port\n" of the bound listener is written here (atomically) once the
  /// daemon accepts connections. Lets tests and supervisors use port 0.
  std::string ready_file;
};

/// The gateway process: loads clusters, serves HTTP on io_context threads, reloads on SIGHUP,
/// drains and stops on SIGTERM/SIGINT. Wired once at start-up.
class Daemon {
 public:
  Daemon(config::AppConfig cfg, DaemonOptions options);
  ~Daemon();

  /// Runs until a shutdown signal. @return the process exit code (0 after a clean stop,
  /// 1 when start-up failed; the reason is logged).
  int run();

 private:
  config::AppConfig cfg_;
  DaemonOptions options_;
};

}  // namespace throome::daemon
