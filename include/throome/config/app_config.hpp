#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/config/env.hpp"

namespace throome::config {

struct CorsConfig {
  bool enabled = true;
  std::vector<std::string> allowed_origins{"*"};
  std::vector<std::string> allowed_methods{"GET", "POST", "PUT", "DELETE", "OPTIONS"};
  std::vector<std::string> allowed_headers{"Content-Type", "Authorization", "X-API-Key",
                                           "X-Request-ID"};
  std::chrono::seconds max_age{600};
};

/// TLS on the listener (server.tls; TlsConfig is TLS towards a backend). Off unless
/// cert_file is set; minimum protocol TLS 1.2.
struct ListenerTlsConfig {
  std::string cert_file;             // PEM certificate chain
  std::string key_file;              // PEM private key
  std::string ca_file;               // PEM CAs that sign client certificates
  bool require_client_cert = false;  // refuse clients without a certificate signed by ca_file
  bool enabled() const noexcept { return !cert_file.empty(); }
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9000;
  int threads = 0;                                  // IO threads; 0 = one per core
  std::chrono::milliseconds read_timeout{30'000};   // whole request (headers + body)
  std::chrono::milliseconds write_timeout{30'000};  // whole response
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  CorsConfig cors;
  ListenerTlsConfig tls;
};

struct GatewayConfig {
  std::string clusters_dir = "./clusters";
  std::string state_dir = "./.throome";
  int max_connections = 10'000;
};

/// How `provision: true` services are started (see docs/provisioning.md).
struct ProvisionConfig {
  std::string redis_server = "redis-server";  // a path, or a name looked up on PATH
  std::string postgres_bin_dir;  // holds initdb and postgres; empty: PATH, then Debian's dir
  std::chrono::milliseconds start_timeout{60'000};  // until a server answers PING / SELECT 1
};

struct MonitoringConfig {
  bool enabled = true;
  std::string metrics_path = "/metrics";
  int activity_size = 1000;                    // activity ring entries; 0 = no activity log
  bool activity_store_values = false;          // keep truncated values and responses
  std::size_t activity_value_max_bytes = 256;  // truncation of each stored value
  bool require_auth = false;                   // the metrics path needs an API key
};

/// A token bucket: `requests_per_second` sustained, `burst` at once. 0 = unlimited.
struct RateLimitConfig {
  double requests_per_second = 0;
  int burst = 0;  // 0 = max(1, ceil(requests_per_second))
  bool enabled() const noexcept { return requests_per_second > 0; }
};

/// One API key. The key itself never appears in a file: only its SHA-256 (hex) or the name
/// of the environment variable that holds it.
struct ApiKeyConfig {
  std::string name;                   // shown in logs and errors instead of the key
  std::string key_sha256;             // 64 hex digits, or empty when key_env is set
  std::string key_env;                // environment variable holding the key
  std::string role;                   // admin | operator | client
  std::vector<std::string> clusters;  // client: cluster ids, or "*" for every cluster
  bool read_only = false;             // client: reads only
  RateLimitConfig rate_limit;
};

struct AuthConfig {
  bool enabled = false;
  std::vector<ApiKeyConfig> api_keys;
};

struct LoggingConfig {
  std::string level = "info";   // trace|debug|info|warn|error|critical|off
  std::string format = "text";  // text|json
};

/// throome.yaml. Defaults are a working loopback gateway on port 9000.
struct AppConfig {
  ServerConfig server;
  GatewayConfig gateway;
  ProvisionConfig provision;
  MonitoringConfig monitoring;
  LoggingConfig logging;
  AuthConfig auth;
  std::vector<std::string> warnings;  // unknown or ignored keys, "path: reason"
};

/// Parses throome.yaml text. `source` names it in errors (usually the file path).
/// @throws ConfigError{source, key, reason} on a syntax error, wrong type or invalid value.
AppConfig parse_app_config(std::string_view yaml_text, const std::string& source);

/// Reads and parses a file. @throws ConfigError (also when the file cannot be read).
AppConfig load_app_config(const std::string& path);

/// Applies THROOME_HOST, THROOME_PORT, THROOME_THREADS, THROOME_CLUSTERS_DIR,
/// THROOME_STATE_DIR, THROOME_LOG_LEVEL, THROOME_LOG_FORMAT, THROOME_METRICS_PATH,
/// THROOME_MAX_BODY_BYTES. @throws ConfigError{"environment", VAR, reason} on a bad value.
void apply_env_overrides(AppConfig& cfg, const EnvLookup& env);

/// Checks cross-field rules after all overrides. @throws ConfigError{source, key, reason}.
void validate_app_config(const AppConfig& cfg, const std::string& source);

/// @return the canonical level for `text` (case-insensitive; "warning" reads as "warn"), or
///         nullopt when it is not one of trace|debug|info|warn|error|critical|off.
std::optional<std::string> normalize_log_level(std::string_view text);

/// "30s", "500ms", "2m", "1h" or a bare integer (seconds). @return nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
/// "8MiB", "16KiB", "1MB", "512" (bytes). @return nullopt when malformed or overflowing.
std::optional<std::size_t> parse_size(std::string_view text);

}  // namespace throome::config
