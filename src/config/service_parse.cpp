#include "config/service_parse.hpp"

#include <string_view>

#include "config/json_order.hpp"
#include "config/text_checks.hpp"

namespace throome::config::detail {
namespace {

constexpr std::string_view kProvisionedHost = "127.0.0.1";
constexpr std::size_t kMaxHostBytes = 253;
constexpr int kMaxWeight = 1000;
constexpr int kMaxPoolConnections = 10'000;
constexpr int kMaxIdleSeconds = 86'400;
constexpr int kMaxLifetimeSeconds = 604'800;
constexpr int kMaxWaitTimeoutMs = 600'000;
constexpr int kMaxRedisDb = 15;
constexpr std::int64_t kMaxStatementCache = 10'000;
constexpr std::int64_t kMaxWaiting = 1'000'000;
constexpr std::int64_t kMaxPipelineDepth = 1'024;

/// Reads a host name: non-empty (unless `default_host` is given), at most 253 bytes, without
/// whitespace or control characters. An absent or empty host takes `default_host` when set.
void read_host(DocumentChecker& c, const Field& f, std::string_view default_host,
               std::string& out) {
  if (f.absent()) {
    if (default_host.empty()) {
      c.error(f.path, "is required");
    } else {
      out = default_host;
    }
    return;
  }
  const auto host = c.string(f);
  if (!host) return;
  if (host->empty()) {
    if (default_host.empty()) {
      c.error(f.path, "is required");
    } else {
      out = default_host;
    }
  } else if (host->size() > kMaxHostBytes) {
    c.error(f.path, "must be at most 253 characters");
  } else if (has_whitespace_or_control(*host)) {
    c.error(f.path, "must not contain whitespace or control characters");
  } else {
    out = *host;
  }
}

/// Every string (and key) inside free-form options must be valid UTF-8.
void check_option_strings(DocumentChecker& c, const Doc& value, const std::string& path) {
  if (value.is_string()) {
    if (!is_valid_utf8(value.get_ref<const std::string&>())) c.error(path, "must be valid UTF-8");
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      const std::string child = join_path(path, key);
      if (!is_valid_utf8(key)) {
        c.error(path, "keys must be valid UTF-8");
      } else {
        check_option_strings(c, item, child);
      }
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_option_strings(c, value[i], index_path(path, i));
    }
  }
}

void parse_options(DocumentChecker& c, const Doc& service, const std::string& path,
                   ServiceConfig& out) {
  const Field f = field_of(service, path, "options");
  const Doc* options = c.mapping(f);
  if (options == nullptr) return;
  check_option_strings(c, *options, f.path);
  if (out.type == ServiceType::redis) {
    const Field db = field_of(*options, f.path, "db");
    if (!db.absent() && (!db.value->is_number_integer() || db.value->get<std::int64_t>() < 0 ||
                         db.value->get<std::int64_t>() > kMaxRedisDb)) {
      c.error(db.path, "must be an integer between 0 and 15");
    }
  }
  if (out.type == ServiceType::postgres) {
    auto check_int = [&](const char* key, std::int64_t max) {
      const Field field = field_of(*options, f.path, key);
      if (!field.absent() &&
          (!field.value->is_number_integer() || field.value->get<std::int64_t>() < 0 ||
           field.value->get<std::int64_t>() > max)) {
        c.error(field.path, "must be an integer between 0 and " + std::to_string(max));
      }
    };
    check_int("statement_cache_size", kMaxStatementCache);
    check_int("max_waiting", kMaxWaiting);
    check_int("pipeline_depth", kMaxPipelineDepth);
    const Field app = field_of(*options, f.path, "application_name");
    if (!app.absent() && (!app.value->is_string() || app.value->get<std::string>().size() > 63)) {
      c.error(app.path, "must be a string of at most 63 bytes");
    }
  }
  out.options = to_unordered(*options);
}

void parse_pool(DocumentChecker& c, const Doc& service, const std::string& path, PoolConfig& out) {
  const Field f = field_of(service, path, "pool");
  const Doc* pool = c.mapping(f);
  if (pool == nullptr) return;
  c.check_keys(
      *pool, f.path,
      {"min_connections", "max_connections", "max_idle_time", "max_lifetime", "wait_timeout_ms"});
  const Field min_field = field_of(*pool, f.path, "min_connections");
  out.min_connections = c.integer(min_field, 0, kMaxPoolConnections);
  out.max_connections =
      c.integer(field_of(*pool, f.path, "max_connections"), 1, kMaxPoolConnections);
  out.max_idle_time = c.integer(field_of(*pool, f.path, "max_idle_time"), 0, kMaxIdleSeconds);
  out.max_lifetime = c.integer(field_of(*pool, f.path, "max_lifetime"), 0, kMaxLifetimeSeconds);
  out.wait_timeout_ms = c.integer(field_of(*pool, f.path, "wait_timeout_ms"), 0, kMaxWaitTimeoutMs);
  if (out.min_connections && out.max_connections && *out.min_connections > *out.max_connections) {
    c.error(min_field.path, "must not exceed pool.max_connections");
  }
}

void parse_tls(DocumentChecker& c, const Doc& service, const std::string& path, TlsConfig& out) {
  const Field f = field_of(service, path, "tls");
  const Doc* tls = c.mapping(f);
  if (tls == nullptr) return;
  c.check_keys(*tls, f.path,
               {"enabled", "ca_file", "cert_file", "key_file", "insecure_skip_verify"});
  assign(c, field_of(*tls, f.path, "enabled"), out.enabled);
  assign(c, field_of(*tls, f.path, "ca_file"), out.ca_file);
  assign(c, field_of(*tls, f.path, "cert_file"), out.cert_file);
  assign(c, field_of(*tls, f.path, "key_file"), out.key_file);
  assign(c, field_of(*tls, f.path, "insecure_skip_verify"), out.insecure_skip_verify);
}

void parse_replica(DocumentChecker& c, const Doc& value, const std::string& path,
                   ReplicaConfig& out) {
  if (!value.is_object()) {
    c.error(path, "must be a mapping");
    return;
  }
  c.check_keys(value, path, {"host", "port", "role", "weight"});
  read_host(c, field_of(value, path, "host"), {}, out.host);
  const Field port = field_of(value, path, "port");
  if (c.require(port)) assign(c, port, out.port, 1, 65535);
  const Field role = field_of(value, path, "role");
  if (auto text = c.string(role)) {
    if (*text == "primary" || *text == "replica" || *text == "readonly") {
      out.role = *text;
    } else {
      c.error(role.path, "unknown role " + in_quotes(*text) +
                             " (expected one of: primary, replica, readonly)");
    }
  }
  assign(c, field_of(value, path, "weight"), out.weight, 1, kMaxWeight);
}

void parse_replicas(DocumentChecker& c, const Doc& service, const std::string& path,
                    std::vector<ReplicaConfig>& out) {
  const Field f = field_of(service, path, "replicas");
  const Doc* replicas = c.sequence(f);
  if (replicas == nullptr) return;
  for (std::size_t i = 0; i < replicas->size(); ++i) {
    ReplicaConfig replica;
    parse_replica(c, (*replicas)[i], index_path(f.path, i), replica);
    out.push_back(std::move(replica));
  }
}

}  // namespace

void parse_service(DocumentChecker& c, const Doc& value, const std::string& path,
                   ServiceConfig& out) {
  if (!value.is_object()) {
    c.error(path, "must be a mapping");
    return;
  }
  c.check_keys(value, path,
               {"type", "provision", "host", "port", "username", "password", "database", "options",
                "pool", "tls", "weight", "replicas"},
               {"container_id"});

  const Field type = field_of(value, path, "type");
  if (c.require(type)) {
    if (auto text = c.string(type)) {
      if (text->empty()) {
        c.error(type.path, "is required");
      } else if (auto parsed = parse_service_type(*text)) {
        out.type = *parsed;
      } else {
        c.error(type.path, "unsupported service type " + in_quotes(*text) +
                               " (supported: redis, postgres, kafka)");
      }
    }
  }

  assign(c, field_of(value, path, "provision"), out.provision);
  read_host(c, field_of(value, path, "host"), out.provision ? kProvisionedHost : "", out.host);
  const Field port = field_of(value, path, "port");
  if (out.provision) {
    assign(c, port, out.port, 0, 65535);  // 0: the provisioner picks a free port
  } else if (c.require(port)) {
    assign(c, port, out.port, 1, 65535);
  }
  assign(c, field_of(value, path, "username"), out.username);
  assign(c, field_of(value, path, "password"), out.password);
  assign(c, field_of(value, path, "database"), out.database);
  parse_options(c, value, path, out);
  parse_pool(c, value, path, out.pool);
  parse_tls(c, value, path, out.tls);
  assign(c, field_of(value, path, "weight"), out.weight, 1, kMaxWeight);
  parse_replicas(c, value, path, out.replicas);
}

}  // namespace throome::config::detail
