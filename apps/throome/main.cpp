// throome: the gateway daemon. Parses flags, loads throome.yaml, applies overrides, runs.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "throome/auth/key_ring.hpp"
#include "throome/config/app_config.hpp"
#include "throome/config/config_error.hpp"
#include "throome/daemon/daemon.hpp"
#include "throome/daemon/logging.hpp"
#include "throome/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"throome: one HTTP gateway for Redis, PostgreSQL and Kafka"};
  app.set_version_flag("--version",
                       std::string(throome::kVersion) + " (" + throome::kGitCommit + ")");
  std::string config_path;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> clusters_dir;
  std::optional<std::string> log_level;
  std::optional<int> threads;
  std::string ready_file;
  bool check_only = false;
  bool insecure = false;
  app.add_option("-c,--config", config_path,
                 "throome.yaml to read (env THROOME_CONFIG; default ./throome.yaml if present)");
  app.add_option("--host", host, "listen address (env THROOME_HOST; default 127.0.0.1)");
  app.add_option("-p,--port", port,
                 "listen port, 0 for any free port (env THROOME_PORT; default 9000)");
  app.add_option("--clusters-dir", clusters_dir,
                 "cluster files directory (env THROOME_CLUSTERS_DIR)");
  app.add_option("--log-level", log_level,
                 "trace|debug|info|warn|error|critical|off (env THROOME_LOG_LEVEL)");
  app.add_option("--threads", threads, "IO threads, 0 = one per core (env THROOME_THREADS)");
  app.add_option("--ready-file", ready_file, "write host:port here once listening");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.add_flag("--insecure", insecure,
               "serve without authentication on a non-loopback address (anyone who can reach "
               "the port can use every cluster)");
  app.footer(
      "Precedence: flags > THROOME_* environment > config file > defaults.\n"
      "Signals: SIGTERM/SIGINT drain and stop, SIGHUP reloads the clusters dir.\n"
      "Without auth.enabled the daemon listens only on loopback addresses (see --insecure).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; every usage error exits 2 like a configuration error.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  using throome::config::ConfigError;
  throome::config::AppConfig cfg;
  std::shared_ptr<const throome::auth::KeyRing> keys;
  try {
    auto env = throome::config::process_env();
    if (config_path.empty()) {
      if (auto from_env = env("THROOME_CONFIG")) config_path = *from_env;
    }
    if (!config_path.empty()) {
      cfg = throome::config::load_app_config(config_path);
    } else if (std::filesystem::exists("throome.yaml")) {
      config_path = "throome.yaml";
      cfg = throome::config::load_app_config(config_path);
    }
    throome::config::apply_env_overrides(cfg, env);
    if (host) cfg.server.host = *host;
    if (port) {
      if (*port < 0 || *port > 65535)
        throw ConfigError("command line", "--port", "must be between 0 and 65535");
      cfg.server.port = static_cast<std::uint16_t>(*port);
    }
    if (clusters_dir) cfg.gateway.clusters_dir = *clusters_dir;
    if (log_level) cfg.logging.level = *log_level;
    if (threads) cfg.server.threads = *threads;
    throome::config::validate_app_config(cfg, "command line");
    if (cfg.auth.enabled) {
      keys = std::make_shared<const throome::auth::KeyRing>(
          throome::auth::KeyRing::from_config(cfg.auth, env));
    }
  } catch (const ConfigError& e) {
    std::cerr << "throome: configuration error: " << e.what() << "\n";
    return 2;
  }
  if (!cfg.auth.enabled && !insecure && !throome::daemon::is_loopback_host(cfg.server.host)) {
    std::cerr << "throome: refusing to listen on " << cfg.server.host
              << " without authentication: anyone who can reach it could read and change every "
                 "cluster.\n"
                 "  Enable API keys (auth.enabled: true with auth.api_keys in throome.yaml; see "
                 "docs/security.md),\n"
                 "  listen on a loopback address (--host 127.0.0.1), or pass --insecure if "
                 "another layer protects this port.\n";
    return 2;
  }
  if (!cfg.auth.enabled && insecure && !throome::daemon::is_loopback_host(cfg.server.host)) {
    std::cerr << "throome: warning: --insecure: serving " << cfg.server.host
              << " without authentication\n";
  }
  if (check_only) {
    std::cout << "configuration OK" << (config_path.empty() ? "" : " (" + config_path + ")")
              << "\n";
    for (const auto& w : cfg.warnings) std::cout << "warning: " << w << "\n";
    return 0;
  }
  throome::daemon::setup_logging(cfg.logging);
  throome::daemon::Daemon daemon(std::move(cfg), {.ready_file = ready_file, .keys = keys});
  return daemon.run();
}
