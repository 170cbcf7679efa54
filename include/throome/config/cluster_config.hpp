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
  std::string created_at;  // RFC 3339 UTC, e.g. 2025-01-01T00:00:00Z; empty until stamped
  std::string updated_at;
  bool operator==(const ClusterConfig&) const = default;

  /// @return the service called `name`, or nullptr.
  const ServiceConfig* find_service(std::string_view service_name) const noexcept;
};

/// @return true when `id` matches [a-z0-9][a-z0-9_-]{0,62} (safe as a directory name).
bool is_valid_cluster_id(std::string_view id) noexcept;
/// @return true when `name` matches [A-Za-z0-9][A-Za-z0-9_.-]{0,62} (safe in a URL path).
bool is_valid_service_name(std::string_view name) noexcept;

}  // namespace throome::config
