#include "throome/config/app_config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/app_rules.hpp"
#include "config/document_checker.hpp"
#include "config/yaml_json.hpp"
#include "throome/config/cluster_config.hpp"
#include "throome/config/config_error.hpp"

namespace throome::config {
namespace {

using detail::assign;
using detail::Doc;
using detail::DocumentChecker;
using detail::Field;
using detail::field_of;

/// A duration: integer seconds or a duration string. @return nullopt (recorded) when invalid.
std::optional<std::chrono::milliseconds> read_duration(DocumentChecker& c, const Field& f) {
  if (f.absent()) return std::nullopt;
  std::optional<std::chrono::milliseconds> value;
  if (f.value->is_number_integer()) {
    if (f.value->is_number_unsigned() || f.value->get<std::int64_t>() >= 0) {
      value = parse_duration(std::to_string(f.value->get<std::uint64_t>()));
    } else {
      value = std::chrono::milliseconds(-1);
    }
  } else if (f.value->is_string()) {
    value = parse_duration(f.value->get_ref<const std::string&>());
  }
  if (!value) {
    c.error(f.path, std::string(detail::kDurationReason));
    return std::nullopt;
  }
  return value;
}

/// A duration that must be positive.
void read_timeout(DocumentChecker& c, const Field& f, std::chrono::milliseconds& out) {
  const auto value = read_duration(c, f);
  if (!value) return;
  if (value->count() <= 0) {
    c.error(f.path, "must be greater than 0");
  } else {
    out = *value;
  }
}

/// A byte size: integer bytes or a size string, within [min, max].
void read_size(DocumentChecker& c, const Field& f, std::size_t min, std::size_t max,
               std::size_t& out) {
  if (f.absent()) return;
  std::optional<std::size_t> value;
  if (f.value->is_number_unsigned() ||
      (f.value->is_number_integer() && f.value->get<std::int64_t>() >= 0)) {
    value = parse_size(std::to_string(f.value->get<std::uint64_t>()));
  } else if (f.value->is_string()) {
    value = parse_size(f.value->get_ref<const std::string&>());
  }
  if (!value) {
    c.error(f.path, std::string(detail::kSizeReason));
  } else if (*value < min || *value > max) {
    c.error(f.path, detail::size_range_reason(min, max));
  } else {
    out = *value;
  }
}

void read_string_list(DocumentChecker& c, const Field& f, std::vector<std::string>& out) {
  const Doc* list = c.sequence(f);
  if (list == nullptr) return;
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Doc& item = (*list)[i];
    const Field entry{item.is_null() ? nullptr : &item, detail::index_path(f.path, i)};
    if (!c.require(entry)) {
      ok = false;
    } else if (auto text = c.string(entry)) {
      values.push_back(std::move(*text));
    } else {
      ok = false;
    }
  }
  if (ok) out = std::move(values);
}

/// Reads a string that `problem` accepts.
void read_checked(DocumentChecker& c, const Field& f,
                  std::optional<std::string> (*problem)(std::string_view), std::string& out) {
  auto text = c.string(f);
  if (!text) return;
  if (auto reason = problem(*text)) {
    c.error(f.path, std::move(*reason));
  } else {
    out = std::move(*text);
  }
}

std::optional<std::string> dir_problem(std::string_view dir) {
  if (dir.empty()) return "must not be empty";
  return std::nullopt;
}

void parse_cors(DocumentChecker& c, const Doc& server, CorsConfig& out) {
  const Field f = field_of(server, "server", "cors");
  const Doc* cors = c.mapping(f);
  if (cors == nullptr) return;
  c.check_keys(*cors, f.path,
               {"enabled", "allowed_origins", "allowed_methods", "allowed_headers", "max_age"});
  assign(c, field_of(*cors, f.path, "enabled"), out.enabled);
  read_string_list(c, field_of(*cors, f.path, "allowed_origins"), out.allowed_origins);
  read_string_list(c, field_of(*cors, f.path, "allowed_methods"), out.allowed_methods);
  read_string_list(c, field_of(*cors, f.path, "allowed_headers"), out.allowed_headers);
  const Field max_age = field_of(*cors, f.path, "max_age");
  if (auto value = read_duration(c, max_age)) {
    if (value->count() < 0) {
      c.error(max_age.path, "must not be negative");
    } else if (value->count() % 1000 != 0) {
      c.error(max_age.path, "must be a whole number of seconds");
    } else {
      out.max_age = std::chrono::duration_cast<std::chrono::seconds>(*value);
    }
  }
}

void parse_tls(DocumentChecker& c, const Doc& server, ListenerTlsConfig& out) {
  const Field f = field_of(server, "server", "tls");
  const Doc* tls = c.mapping(f);
  if (tls == nullptr) return;
  c.check_keys(*tls, f.path, {"cert_file", "key_file", "ca_file", "require_client_cert"});
  read_checked(c, field_of(*tls, f.path, "cert_file"), dir_problem, out.cert_file);
  read_checked(c, field_of(*tls, f.path, "key_file"), dir_problem, out.key_file);
  read_checked(c, field_of(*tls, f.path, "ca_file"), dir_problem, out.ca_file);
  assign(c, field_of(*tls, f.path, "require_client_cert"), out.require_client_cert);
}

void parse_server(DocumentChecker& c, const Doc& root, ServerConfig& out) {
  const Field f = field_of(root, "", "server");
  const Doc* server = c.mapping(f);
  if (server == nullptr) return;
  c.check_keys(*server, f.path,
               {"host", "port", "threads", "read_timeout", "write_timeout", "idle_timeout",
                "shutdown_timeout", "max_header_bytes", "max_body_bytes", "cors", "tls"});
  read_checked(c, field_of(*server, f.path, "host"), detail::host_problem, out.host);
  if (auto port = c.integer(field_of(*server, f.path, "port"), 0, 65535)) {
    out.port = static_cast<std::uint16_t>(*port);
  }
  assign(c, field_of(*server, f.path, "threads"), out.threads, 0, detail::kMaxThreads);
  read_timeout(c, field_of(*server, f.path, "read_timeout"), out.read_timeout);
  read_timeout(c, field_of(*server, f.path, "write_timeout"), out.write_timeout);
  read_timeout(c, field_of(*server, f.path, "idle_timeout"), out.idle_timeout);
  read_timeout(c, field_of(*server, f.path, "shutdown_timeout"), out.shutdown_timeout);
  read_size(c, field_of(*server, f.path, "max_header_bytes"), detail::kMinHeaderBytes,
            detail::kMaxHeaderBytes, out.max_header_bytes);
  read_size(c, field_of(*server, f.path, "max_body_bytes"), detail::kMinBodyBytes,
            detail::kMaxBodyBytes, out.max_body_bytes);
  parse_cors(c, *server, out.cors);
  parse_tls(c, *server, out.tls);
}

void parse_gateway(DocumentChecker& c, const Doc& root, GatewayConfig& out) {
  const Field f = field_of(root, "", "gateway");
  const Doc* gateway = c.mapping(f);
  if (gateway == nullptr) return;
  c.check_keys(*gateway, f.path, {"clusters_dir", "state_dir", "max_connections"},
               {"connection_timeout", "enable_ai"});
  read_checked(c, field_of(*gateway, f.path, "clusters_dir"), dir_problem, out.clusters_dir);
  read_checked(c, field_of(*gateway, f.path, "state_dir"), dir_problem, out.state_dir);
  assign(c, field_of(*gateway, f.path, "max_connections"), out.max_connections, 1,
         detail::kMaxGatewayConnections);
}

void parse_provision(DocumentChecker& c, const Doc& root, ProvisionConfig& out) {
  const Field f = field_of(root, "", "provision");
  const Doc* provision = c.mapping(f);
  if (provision == nullptr) return;
  c.check_keys(*provision, f.path, {"redis_server", "postgres_bin_dir", "start_timeout"});
  read_checked(c, field_of(*provision, f.path, "redis_server"), dir_problem, out.redis_server);
  assign(c, field_of(*provision, f.path, "postgres_bin_dir"), out.postgres_bin_dir);
  read_timeout(c, field_of(*provision, f.path, "start_timeout"), out.start_timeout);
}

void parse_monitoring(DocumentChecker& c, const Doc& root, MonitoringConfig& out) {
  const Field f = field_of(root, "", "monitoring");
  const Doc* monitoring = c.mapping(f);
  if (monitoring == nullptr) return;
  c.check_keys(*monitoring, f.path,
               {"enabled", "metrics_path", "activity_size", "activity_store_values",
                "activity_value_max_bytes", "require_auth"},
               {"collection_interval"});
  assign(c, field_of(*monitoring, f.path, "enabled"), out.enabled);
  read_checked(c, field_of(*monitoring, f.path, "metrics_path"), detail::metrics_path_problem,
               out.metrics_path);
  assign(c, field_of(*monitoring, f.path, "activity_size"), out.activity_size, 0,
         detail::kMaxActivitySize);
  assign(c, field_of(*monitoring, f.path, "activity_store_values"), out.activity_store_values);
  read_size(c, field_of(*monitoring, f.path, "activity_value_max_bytes"),
            detail::kMinActivityValueBytes, detail::kMaxActivityValueBytes,
            out.activity_value_max_bytes);
  assign(c, field_of(*monitoring, f.path, "require_auth"), out.require_auth);
}

void parse_rate_limit(DocumentChecker& c, const Doc& key, const std::string& parent,
                      RateLimitConfig& out) {
  const Field f = field_of(key, parent, "rate_limit");
  const Doc* limit = c.mapping(f);
  if (limit == nullptr) return;
  c.check_keys(*limit, f.path, {"requests_per_second", "burst"});
  const Field rps = field_of(*limit, f.path, "requests_per_second");
  if (c.require(rps)) {
    if (!rps.value->is_number() || rps.value->is_boolean()) {
      c.error(rps.path, "must be a number");
    } else if (const double v = rps.value->get<double>(); !(v > 0) || v > detail::kMaxRate) {
      c.error(rps.path, "must be greater than 0 and at most 1000000");
    } else {
      out.requests_per_second = v;
    }
  }
  assign(c, field_of(*limit, f.path, "burst"), out.burst, 1, detail::kMaxBurst);
}

void parse_api_key(DocumentChecker& c, const Doc& item, const std::string& path,
                   ApiKeyConfig& out) {
  if (!item.is_object()) {
    c.error(path, "must be a mapping");
    return;
  }
  c.check_keys(item, path,
               {"name", "key_sha256", "key_env", "role", "clusters", "read_only", "rate_limit"});
  const Field name = field_of(item, path, "name");
  if (c.require(name)) read_checked(c, name, detail::key_name_problem, out.name);
  const Field sha = field_of(item, path, "key_sha256");
  const Field env = field_of(item, path, "key_env");
  if (sha.absent() == env.absent()) {
    c.error(path, "needs exactly one of key_sha256 and key_env");
  }
  read_checked(c, sha, detail::sha256_hex_problem, out.key_sha256);
  read_checked(c, env, detail::env_name_problem, out.key_env);
  for (auto& ch : out.key_sha256)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const Field role = field_of(item, path, "role");
  if (c.require(role)) read_checked(c, role, detail::role_problem, out.role);
  read_string_list(c, field_of(item, path, "clusters"), out.clusters);
  assign(c, field_of(item, path, "read_only"), out.read_only);
  parse_rate_limit(c, item, path, out.rate_limit);
}

void parse_auth(DocumentChecker& c, const Doc& root, AuthConfig& out) {
  const Field f = field_of(root, "", "auth");
  const Doc* auth = c.mapping(f);
  if (auth == nullptr) return;
  c.check_keys(*auth, f.path, {"enabled", "api_keys"});
  assign(c, field_of(*auth, f.path, "enabled"), out.enabled);
  const Doc* keys = c.sequence(field_of(*auth, f.path, "api_keys"));
  if (keys == nullptr) return;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    ApiKeyConfig key;
    parse_api_key(c, (*keys)[i], detail::index_path("auth.api_keys", i), key);
    out.api_keys.push_back(std::move(key));
  }
}

void parse_logging(DocumentChecker& c, const Doc& root, LoggingConfig& out) {
  const Field f = field_of(root, "", "logging");
  const Doc* logging = c.mapping(f);
  if (logging == nullptr) return;
  c.check_keys(*logging, f.path, {"level", "format"}, {"development", "output_path"});
  const Field level = field_of(*logging, f.path, "level");
  if (auto text = c.string(level)) {
    if (auto normalized = normalize_log_level(*text)) {
      out.level = std::move(*normalized);
    } else {
      c.error(level.path, std::string(detail::kLogLevelReason));
    }
  }
  const Field format = field_of(*logging, f.path, "format");
  if (auto text = c.string(format)) {
    if (auto normalized = detail::normalize_log_format(*text)) {
      out.format = std::move(*normalized);
    } else {
      c.error(format.path, std::string(detail::kLogFormatReason));
    }
  }
}

[[noreturn]] void fail(const std::string& source, const std::string& key, std::string reason) {
  throw ConfigError(source, key, std::move(reason));
}

void validate_tls(const ListenerTlsConfig& tls, const std::string& source) {
  if (tls.enabled() && tls.key_file.empty()) {
    fail(source, "server.tls.key_file", "is required with server.tls.cert_file");
  }
  if (!tls.enabled() &&
      (!tls.key_file.empty() || !tls.ca_file.empty() || tls.require_client_cert)) {
    fail(source, "server.tls.cert_file", "is required to turn TLS on");
  }
  if (tls.require_client_cert && tls.ca_file.empty()) {
    fail(source, "server.tls.ca_file", "is required with require_client_cert: true");
  }
}

void validate_auth(const AppConfig& cfg, const std::string& source) {
  const AuthConfig& auth = cfg.auth;
  if (auth.enabled && auth.api_keys.empty()) {
    fail(source, "auth.api_keys", "needs at least one key when auth.enabled is true");
  }
  if (cfg.monitoring.require_auth && !auth.enabled) {
    fail(source, "monitoring.require_auth", "needs auth.enabled: true");
  }
  for (std::size_t i = 0; i < auth.api_keys.size(); ++i) {
    const ApiKeyConfig& key = auth.api_keys[i];
    const std::string path = detail::index_path("auth.api_keys", i);
    if (auto reason = detail::key_name_problem(key.name)) fail(source, path + ".name", *reason);
    if (key.key_sha256.empty() == key.key_env.empty()) {
      fail(source, path, "needs exactly one of key_sha256 and key_env");
    }
    if (auto reason = detail::role_problem(key.role)) fail(source, path + ".role", *reason);
    if (key.role == "client") {
      if (key.clusters.empty()) {
        fail(source, path + ".clusters", "is required for role client (cluster ids or \"*\")");
      }
      for (std::size_t j = 0; j < key.clusters.size(); ++j) {
        const std::string& id = key.clusters[j];
        if (id != "*" && !is_valid_cluster_id(id)) {
          fail(source, detail::index_path(path + ".clusters", j),
               "must be a cluster id ([a-z0-9][a-z0-9_-]{0,62}) or \"*\"");
        }
      }
    } else {
      if (!key.clusters.empty()) {
        fail(source, path + ".clusters",
             "only applies to role client (" + key.role + " is not limited to clusters)");
      }
      if (key.read_only) fail(source, path + ".read_only", "only applies to role client");
    }
    for (std::size_t j = 0; j < i; ++j) {
      const ApiKeyConfig& other = auth.api_keys[j];
      if (other.name == key.name) {
        fail(source, path + ".name", "duplicates auth.api_keys[" + std::to_string(j) + "].name");
      }
      if ((!key.key_sha256.empty() && other.key_sha256 == key.key_sha256) ||
          (!key.key_env.empty() && other.key_env == key.key_env)) {
        fail(source, path, "is the same key as auth.api_keys[" + std::to_string(j) + "]");
      }
    }
  }
}

}  // namespace

AppConfig parse_app_config(std::string_view yaml_text, const std::string& source) {
  auto tree = detail::yaml_to_json(yaml_text);
  if (!tree) fail(source, "", tree.error().message());
  AppConfig cfg;
  const Doc& root = *tree;
  if (!root.is_null()) {
    if (!root.is_object()) fail(source, "", "must be a mapping");
    DocumentChecker c;
    c.check_keys(root, "", {"server", "gateway", "provision", "monitoring", "logging", "auth"},
                 {"dashboard"});
    parse_server(c, root, cfg.server);
    parse_gateway(c, root, cfg.gateway);
    parse_provision(c, root, cfg.provision);
    parse_monitoring(c, root, cfg.monitoring);
    parse_logging(c, root, cfg.logging);
    parse_auth(c, root, cfg.auth);
    if (c.has_errors()) fail(source, c.errors().front().path, c.errors().front().message);
    for (const ConfigIssue& warning : c.warnings()) cfg.warnings.push_back(warning.to_string());
  }
  validate_app_config(cfg, source);
  return cfg;
}

AppConfig load_app_config(const std::string& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) fail(path, "", std::string("cannot read file: ") + std::strerror(errno));
  std::string text;
  char buffer[8192];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get()))
    fail(path, "", std::string("cannot read file: ") + std::strerror(errno));
  return parse_app_config(text, path);
}

void validate_app_config(const AppConfig& cfg, const std::string& source) {
  const ServerConfig& server = cfg.server;
  if (auto reason = detail::host_problem(server.host)) fail(source, "server.host", *reason);
  if (server.threads < 0 || server.threads > detail::kMaxThreads) {
    fail(source, "server.threads", "must be between 0 and 256");
  }
  const std::pair<const char*, std::chrono::milliseconds> timeouts[] = {
      {"server.read_timeout", server.read_timeout},
      {"server.write_timeout", server.write_timeout},
      {"server.idle_timeout", server.idle_timeout},
      {"server.shutdown_timeout", server.shutdown_timeout}};
  for (const auto& [key, value] : timeouts) {
    if (value.count() <= 0) fail(source, key, "must be greater than 0");
  }
  if (server.max_header_bytes < detail::kMinHeaderBytes ||
      server.max_header_bytes > detail::kMaxHeaderBytes) {
    fail(source, "server.max_header_bytes",
         detail::size_range_reason(detail::kMinHeaderBytes, detail::kMaxHeaderBytes));
  }
  if (server.max_body_bytes < detail::kMinBodyBytes ||
      server.max_body_bytes > detail::kMaxBodyBytes) {
    fail(source, "server.max_body_bytes",
         detail::size_range_reason(detail::kMinBodyBytes, detail::kMaxBodyBytes));
  }
  if (server.cors.max_age.count() < 0) fail(source, "server.cors.max_age", "must not be negative");
  if (cfg.gateway.clusters_dir.empty()) fail(source, "gateway.clusters_dir", "must not be empty");
  if (cfg.gateway.state_dir.empty()) fail(source, "gateway.state_dir", "must not be empty");
  if (cfg.gateway.max_connections < 1 ||
      cfg.gateway.max_connections > detail::kMaxGatewayConnections) {
    fail(source, "gateway.max_connections", "must be between 1 and 1000000");
  }
  if (auto reason = detail::metrics_path_problem(cfg.monitoring.metrics_path)) {
    fail(source, "monitoring.metrics_path", *reason);
  }
  if (cfg.monitoring.activity_size < 0 || cfg.monitoring.activity_size > detail::kMaxActivitySize) {
    fail(source, "monitoring.activity_size", "must be between 0 and 1000000");
  }
  if (cfg.monitoring.activity_value_max_bytes < detail::kMinActivityValueBytes ||
      cfg.monitoring.activity_value_max_bytes > detail::kMaxActivityValueBytes) {
    fail(source, "monitoring.activity_value_max_bytes",
         detail::size_range_reason(detail::kMinActivityValueBytes, detail::kMaxActivityValueBytes));
  }
  // Exact spellings only: the parser and the environment normalize, flags arrive verbatim and
  // the logger understands the canonical names (and "warning") only.
  const std::string& level = cfg.logging.level;
  if (level != "warning" && normalize_log_level(level) != level) {
    fail(source, "logging.level", std::string(detail::kLogLevelReason));
  }
  if (detail::normalize_log_format(cfg.logging.format) != cfg.logging.format) {
    fail(source, "logging.format", std::string(detail::kLogFormatReason));
  }
  validate_tls(server.tls, source);
  validate_auth(cfg, source);
}

}  // namespace throome::config
