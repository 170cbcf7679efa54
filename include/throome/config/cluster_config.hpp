#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace throome::config {

/// Backend kinds supported by this release.
enum class ServiceType { redis, postgres, kafka };

std::string_view to_string(ServiceType t) noexcept;
/// @return the type for "redis" / "postgres" (also "postgresql") / "kafka", else nullopt.
std::optional<ServiceType> parse_service_type(std::string_view s) noexcept;

/// Connection pool bounds; unset fields mean "the adapter's default".
struct PoolConfig {
  std::optional<int> min_connections;
  std::optional<int> max_connections;
  std::optional<int> max_idle_time;  // seconds
  std::optional<int> max_lifetime;   // seconds
  std::optional<int> wait_timeout_ms;
  bool operator==(const PoolConfig&) const = default;
};

/// TLS towards a backend.
struct TlsConfig {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
  bool operator==(const TlsConfig&) const = default;
};

/// A replica of a service (same credentials as its service).
struct ReplicaConfig {
  std::string host;
  int port = 0;
  std::string role = "replica";  // primary | replica | readonly
  int weight = 1;
  bool operator==(const ReplicaConfig&) const = default;
};

/// One backend of a cluster. String fields hold values as written (`${ENV}` unresolved).
struct ServiceConfig {
  std::string name;  // the key under `services:`
  ServiceType type = ServiceType::redis;
  bool provision = false;
  std::string host;
  int port = 0;
  std::string username;
  std::string password;  // secret: never returned, never logged
  std::string database;
  nlohmann::json options = nlohmann::json::object();  // free-form, backend specific
  PoolConfig pool;
  TlsConfig tls;
  int weight = 1;
  std::vector<ReplicaConfig> replicas;
  bool operator==(const ServiceConfig&) const = default;
};

struct CircuitBreakerConfig {
  bool enabled = true;
  int failure_threshold = 5;
  int reset_timeout = 60;  // seconds
  bool operator==(const CircuitBreakerConfig&) const = default;
};

struct RoutingConfig {
  std::string strategy =
      "round_robin";  // round_robin|weighted|least_connections|consistent_hash|ai
  bool failover_enabled = true;
  int timeout_ms = 5000;
  int retry_attempts = 3;
  CircuitBreakerConfig circuit_breaker;
  bool operator==(const RoutingConfig&) const = default;
};

struct HealthConfig {
  bool enabled = true;
  int interval = 10;  // seconds
  int timeout = 5;    // seconds
  int threshold = 3;  // consecutive failures before a backend is marked down
  bool operator==(const HealthConfig&) const = default;
};

struct AiConfig {
  bool enabled = false;
  std::string model = "ewma";
  int min_data_points = 100;
  int update_interval = 300;  // seconds
  std::vector<std::string> features{"latency", "load", "error_rate"};
  bool operator==(const AiConfig&) const = default;
};

/// A named SQL statement of a cluster (`statements: {name: {sql, read_only, timeout_ms}}`):
/// clients run it by name through the db API, with `args` bound to $1, $2, ...
struct StatementConfig {
  std::string name;  // the key under `statements:`; [A-Za-z0-9][A-Za-z0-9_.-]{0,62}
  std::string sql;
  bool read_only = false;         // a routing hint: may run on a replica
  std::optional<int> timeout_ms;  // statement timeout; unset: routing.timeout_ms
  bool operator==(const StatementConfig&) const = default;
};

/// The db API policy of a cluster (`db:`).
struct DbConfig {
  bool allow_raw_sql = true;  // false: only named statements run; clients never send SQL
  bool operator==(const DbConfig&) const = default;
};

/// Per-cluster admission limits on data-plane requests. 0 = unlimited.
struct LimitsConfig {
  double requests_per_second = 0;  // token bucket refill
  int burst = 0;                   // bucket size; 0 = max(1, ceil(requests_per_second))
  int max_in_flight = 0;           // concurrent data-plane requests; more get 503
  bool operator==(const LimitsConfig&) const = default;
};

/// The highest $n placeholder of `sql` outside string literals, quoted identifiers, comments
/// and dollar-quoted strings (0 when none), and the first unused number below it (0 when
/// $1..$max are all used).
struct SqlPlaceholders {
  int max = 0;
  int first_gap = 0;
};
SqlPlaceholders scan_placeholders(std::string_view sql) noexcept;

/// A cluster: a named group of backends plus routing policy. Parsed and validated by
/// cluster_codec; immutable once inside a registry snapshot.
struct ClusterConfig {
  std::string cluster_id;  // [a-z0-9][a-z0-9_-]{0,62}; empty until generated
  std::string name;
  std::string description;
  std::vector<ServiceConfig> services;  // in file order; names unique
  RoutingConfig routing;
  HealthConfig health;
  AiConfig ai;
  std::vector<StatementConfig> statements;  // in file order; names unique
  DbConfig db;
  LimitsConfig limits;
  std::string created_at;  // RFC 3339 UTC, e.g. 2025-01-01T00:00:00Z; empty until stamped
  std::string updated_at;
  bool operator==(const ClusterConfig&) const = default;

  /// @return the service called `name`, or nullptr.
  const ServiceConfig* find_service(std::string_view service_name) const noexcept;
  /// @return the named statement called `name`, or nullptr.
  const StatementConfig* find_statement(std::string_view statement_name) const noexcept;
};

/// @return true when `id` matches [a-z0-9][a-z0-9_-]{0,62} (safe as a directory name).
bool is_valid_cluster_id(std::string_view id) noexcept;
/// @return true when `name` matches [A-Za-z0-9][A-Za-z0-9_.-]{0,62} (safe in a URL path).
bool is_valid_service_name(std::string_view name) noexcept;

}  // namespace throome::config
