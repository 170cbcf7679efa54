#include <yaml-cpp/yaml.h>

#include <charconv>
#include <stdexcept>
#include <string>

#include "config/yaml_json.hpp"
#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

using detail::emit_string;

void emit_key(YAML::Emitter& out, const char* key) { out << YAML::Key << key << YAML::Value; }

void emit_bool(YAML::Emitter& out, const char* key, bool value) {
  emit_key(out, key);
  out << (value ? "true" : "false");
}

void emit_int(YAML::Emitter& out, const char* key, int value) {
  emit_key(out, key);
  out << value;
}

void emit_text(YAML::Emitter& out, const char* key, const std::string& value) {
  emit_key(out, key);
  emit_string(out, value);
}

void emit_optional_text(YAML::Emitter& out, const char* key, const std::string& value) {
  if (!value.empty()) emit_text(out, key, value);
}

void emit_pool(YAML::Emitter& out, const PoolConfig& pool) {
  if (pool == PoolConfig{}) return;
  emit_key(out, "pool");
  out << YAML::BeginMap;
  if (pool.min_connections) emit_int(out, "min_connections", *pool.min_connections);
  if (pool.max_connections) emit_int(out, "max_connections", *pool.max_connections);
  if (pool.max_idle_time) emit_int(out, "max_idle_time", *pool.max_idle_time);
  if (pool.max_lifetime) emit_int(out, "max_lifetime", *pool.max_lifetime);
  if (pool.wait_timeout_ms) emit_int(out, "wait_timeout_ms", *pool.wait_timeout_ms);
  out << YAML::EndMap;
}

void emit_tls(YAML::Emitter& out, const TlsConfig& tls) {
  if (tls == TlsConfig{}) return;
  emit_key(out, "tls");
  out << YAML::BeginMap;
  emit_bool(out, "enabled", tls.enabled);
  emit_optional_text(out, "ca_file", tls.ca_file);
  emit_optional_text(out, "cert_file", tls.cert_file);
  emit_optional_text(out, "key_file", tls.key_file);
  emit_bool(out, "insecure_skip_verify", tls.insecure_skip_verify);
  out << YAML::EndMap;
}

void emit_replicas(YAML::Emitter& out, const std::vector<ReplicaConfig>& replicas) {
  if (replicas.empty()) return;
  emit_key(out, "replicas");
  out << YAML::BeginSeq;
  for (const ReplicaConfig& replica : replicas) {
    out << YAML::BeginMap;
    emit_text(out, "host", replica.host);
    emit_int(out, "port", replica.port);
    emit_text(out, "role", replica.role);
    emit_int(out, "weight", replica.weight);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void emit_service(YAML::Emitter& out, const ServiceConfig& service) {
  out << YAML::Key;
  emit_string(out, service.name);
  out << YAML::Value << YAML::BeginMap;
  emit_text(out, "type", std::string(to_string(service.type)));
  if (service.provision) emit_bool(out, "provision", true);
  emit_text(out, "host", service.host);
  emit_int(out, "port", service.port);
  emit_optional_text(out, "username", service.username);
  emit_optional_text(out, "password", service.password);
  emit_optional_text(out, "database", service.database);
  if (!service.options.is_null() && !service.options.empty()) {
    emit_key(out, "options");
    detail::emit_json(out, service.options);
  }
  emit_pool(out, service.pool);
  emit_tls(out, service.tls);
  emit_int(out, "weight", service.weight);
  emit_replicas(out, service.replicas);
  out << YAML::EndMap;
}

void emit_policies(YAML::Emitter& out, const ClusterConfig& cluster) {
  const RoutingConfig& routing = cluster.routing;
  emit_key(out, "routing");
  out << YAML::BeginMap;
  emit_text(out, "strategy", routing.strategy);
  emit_bool(out, "failover_enabled", routing.failover_enabled);
  emit_int(out, "timeout_ms", routing.timeout_ms);
  emit_int(out, "retry_attempts", routing.retry_attempts);
  emit_key(out, "circuit_breaker");
  out << YAML::BeginMap;
  emit_bool(out, "enabled", routing.circuit_breaker.enabled);
  emit_int(out, "failure_threshold", routing.circuit_breaker.failure_threshold);
  emit_int(out, "reset_timeout", routing.circuit_breaker.reset_timeout);
  out << YAML::EndMap << YAML::EndMap;

  const HealthConfig& health = cluster.health;
  emit_key(out, "health");
  out << YAML::BeginMap;
  emit_bool(out, "enabled", health.enabled);
  emit_int(out, "interval", health.interval);
  emit_int(out, "timeout", health.timeout);
  emit_int(out, "threshold", health.threshold);
  out << YAML::EndMap;

  const AiConfig& ai = cluster.ai;
  emit_key(out, "ai");
  out << YAML::BeginMap;
  emit_bool(out, "enabled", ai.enabled);
  emit_text(out, "model", ai.model);
  emit_int(out, "min_data_points", ai.min_data_points);
  emit_int(out, "update_interval", ai.update_interval);
  emit_key(out, "features");
  out << YAML::Flow << YAML::BeginSeq;
  for (const std::string& feature : ai.features) emit_string(out, feature);
  out << YAML::EndSeq << YAML::EndMap;
}

void emit_db(YAML::Emitter& out, const ClusterConfig& cluster) {
  if (!cluster.statements.empty()) {
    emit_key(out, "statements");
    out << YAML::BeginMap;
    for (const StatementConfig& statement : cluster.statements) {
      out << YAML::Key;
      emit_string(out, statement.name);
      out << YAML::Value << YAML::BeginMap;
      emit_text(out, "sql", statement.sql);
      if (statement.read_only) emit_bool(out, "read_only", true);
      if (statement.timeout_ms) emit_int(out, "timeout_ms", *statement.timeout_ms);
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  if (cluster.db != DbConfig{}) {
    emit_key(out, "db");
    out << YAML::BeginMap;
    emit_bool(out, "allow_raw_sql", cluster.db.allow_raw_sql);
    out << YAML::EndMap;
  }
}

nlohmann::json statements_json(const std::vector<StatementConfig>& statements) {
  nlohmann::json out = nlohmann::json::object();
  for (const StatementConfig& statement : statements) {
    out[statement.name] = {
        {"sql", statement.sql},
        {"read_only", statement.read_only},
        {"timeout_ms", statement.timeout_ms ? nlohmann::json(*statement.timeout_ms) : nullptr},
    };
  }
  return out;
}

nlohmann::json pool_json(const PoolConfig& pool) {
  nlohmann::json out = nlohmann::json::object();
  if (pool.min_connections) out["min_connections"] = *pool.min_connections;
  if (pool.max_connections) out["max_connections"] = *pool.max_connections;
  if (pool.max_idle_time) out["max_idle_time"] = *pool.max_idle_time;
  if (pool.max_lifetime) out["max_lifetime"] = *pool.max_lifetime;
  if (pool.wait_timeout_ms) out["wait_timeout_ms"] = *pool.wait_timeout_ms;
  return out;
}

nlohmann::json service_json(const ServiceConfig& service) {
  nlohmann::json out = {
      {"type", to_string(service.type)},
      {"provision", service.provision},
      {"host", service.host},
      {"port", service.port},
      {"username", service.username},
      {"database", service.database},
      {"options",
       service.options.is_null() ? nlohmann::json::object() : redact_options(service.options)},
      {"pool", pool_json(service.pool)},
      {"tls",
       {{"enabled", service.tls.enabled},
        {"ca_file", service.tls.ca_file},
        {"cert_file", service.tls.cert_file},
        {"key_file", service.tls.key_file},
        {"insecure_skip_verify", service.tls.insecure_skip_verify}}},
      {"weight", service.weight},
      {"replicas", nlohmann::json::array()},
  };
  if (!service.password.empty()) out["password"] = kRedacted;
  for (const ReplicaConfig& replica : service.replicas) {
    out["replicas"].push_back({{"host", replica.host},
                               {"port", replica.port},
                               {"role", replica.role},
                               {"weight", replica.weight}});
  }
  return out;
}

}  // namespace

std::string to_yaml(const ClusterConfig& cluster) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginMap;
  if (!cluster.cluster_id.empty()) emit_text(out, "cluster_id", cluster.cluster_id);
  emit_text(out, "name", cluster.name);
  emit_text(out, "description", cluster.description);
  emit_key(out, "services");
  out << YAML::BeginMap;
  for (const ServiceConfig& service : cluster.services) emit_service(out, service);
  out << YAML::EndMap;
  emit_policies(out, cluster);
  emit_db(out, cluster);
  if (cluster.limits != LimitsConfig{}) {
    emit_key(out, "limits");
    out << YAML::BeginMap;
    if (cluster.limits.requests_per_second > 0) {
      // The shortest text that reads back as the same double ("0.2", not
      // "0.20000000000000001").
      char text[32];
      const auto end =
          std::to_chars(text, text + sizeof text, cluster.limits.requests_per_second).ptr;
      emit_key(out, "requests_per_second");
      out << std::string(text, end);
    }
    if (cluster.limits.burst > 0) emit_int(out, "burst", cluster.limits.burst);
    if (cluster.limits.max_in_flight > 0) {
      emit_int(out, "max_in_flight", cluster.limits.max_in_flight);
    }
    out << YAML::EndMap;
  }
  if (!cluster.created_at.empty()) {
    emit_key(out, "created_at");
    out << YAML::DoubleQuoted << cluster.created_at;
  }
  if (!cluster.updated_at.empty()) {
    emit_key(out, "updated_at");
    out << YAML::DoubleQuoted << cluster.updated_at;
  }
  out << YAML::EndMap;
  if (!out.good()) throw std::runtime_error("to_yaml: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

nlohmann::json to_json(const ClusterConfig& cluster) {
  nlohmann::json services = nlohmann::json::object();
  for (const ServiceConfig& service : cluster.services) {
    services[service.name] = service_json(service);
  }
  const RoutingConfig& routing = cluster.routing;
  const HealthConfig& health = cluster.health;
  const AiConfig& ai = cluster.ai;
  return {
      {"cluster_id", cluster.cluster_id},
      {"name", cluster.name},
      {"description", cluster.description},
      {"services", std::move(services)},
      {"routing",
       {{"strategy", routing.strategy},
        {"failover_enabled", routing.failover_enabled},
        {"timeout_ms", routing.timeout_ms},
        {"retry_attempts", routing.retry_attempts},
        {"circuit_breaker",
         {{"enabled", routing.circuit_breaker.enabled},
          {"failure_threshold", routing.circuit_breaker.failure_threshold},
          {"reset_timeout", routing.circuit_breaker.reset_timeout}}}}},
      {"health",
       {{"enabled", health.enabled},
        {"interval", health.interval},
        {"timeout", health.timeout},
        {"threshold", health.threshold}}},
      {"ai",
       {{"enabled", ai.enabled},
        {"model", ai.model},
        {"min_data_points", ai.min_data_points},
        {"update_interval", ai.update_interval},
        {"features", ai.features}}},
      {"statements", statements_json(cluster.statements)},
      {"db", {{"allow_raw_sql", cluster.db.allow_raw_sql}}},
      {"limits",
       {{"requests_per_second", cluster.limits.requests_per_second},
        {"burst", cluster.limits.burst},
        {"max_in_flight", cluster.limits.max_in_flight}}},
      {"created_at", cluster.created_at},
      {"updated_at", cluster.updated_at},
  };
}

}  // namespace throome::config
