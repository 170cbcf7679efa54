#pragma once

#include <memory>
#include <string>

#include "throome/auth/key_ring.hpp"
#include "throome/config/app_config.hpp"

namespace throome::daemon {

struct DaemonOptions {
  /// When set, "host:port\n" of the bound listener is written here (atomically) once the
  /// daemon accepts connections. Lets tests and supervisors use port 0.
  std::string ready_file;
  /// The API keys of cfg.auth, resolved (KeyRing::from_config); may be null when auth is off.
  std::shared_ptr<const auth::KeyRing> keys;
};

/// @return true when `host` can only be reached from this machine (127.0.0.0/8, ::1,
///         "localhost"). Without auth the daemon listens only on such a host unless told
///         --insecure.
bool is_loopback_host(const std::string& host);

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
