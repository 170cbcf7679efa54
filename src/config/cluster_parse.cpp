#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "config/document_checker.hpp"
#include "config/json_order.hpp"
#include "config/service_parse.hpp"
#include "config/text_checks.hpp"
#include "config/yaml_json.hpp"
#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

using detail::assign;
using detail::Doc;
using detail::DocumentChecker;
using detail::Field;
using detail::field_of;
using detail::in_quotes;

constexpr std::size_t kMaxNameChars = 128;
constexpr std::array<std::string_view, 5> kStrategies = {
    "round_robin", "weighted", "least_connections", "consistent_hash", "ai"};
constexpr std::array<std::string_view, 3> kFeatures = {"latency", "load", "error_rate"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void parse_name(DocumentChecker& c, const Doc& root, ClusterConfig& out) {
  const Field f = field_of(root, "", "name");
  if (!c.require(f)) return;
  const auto name = c.string(f);
  if (!name) return;
  if (name->empty()) {
    c.error(f.path, "is required");
  } else if (detail::count_code_points(*name) > kMaxNameChars) {
    c.error(f.path, "must be at most 128 characters");
  } else if (detail::has_control_chars(*name)) {
    c.error(f.path, "must not contain control characters");
  } else {
    out.name = *name;
  }
}

void parse_services(DocumentChecker& c, const Doc& root, ClusterConfig& out) {
  const Field f = field_of(root, "", "services");
  if (!c.require(f)) return;
  const Doc* services = c.mapping(f);
  if (services == nullptr) return;
  if (services->empty()) c.error(f.path, "must have at least one service");
  for (const auto& [name, value] : services->items()) {
    const std::string path = detail::join_path(f.path, name);
    if (!is_valid_service_name(name)) {
      c.error(path, "service name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    }
    ServiceConfig service;
    service.name = name;
    detail::parse_service(c, value, path, service);
    out.services.push_back(std::move(service));
  }
}

void parse_routing(DocumentChecker& c, const Doc& root, RoutingConfig& out) {
  const Field f = field_of(root, "", "routing");
  const Doc* routing = c.mapping(f);
  if (routing == nullptr) return;
  c.check_keys(*routing, f.path,
               {"strategy", "failover_enabled", "timeout_ms", "retry_attempts", "circuit_breaker"});
  const Field strategy = field_of(*routing, f.path, "strategy");
  if (auto text = c.string(strategy)) {
    if (one_of(kStrategies, *text)) {
      out.strategy = *text;
    } else {
      c.error(strategy.path, "unknown strategy " + in_quotes(*text) +
                                 " (expected one of: round_robin, weighted, least_connections, "
                                 "consistent_hash, ai)");
    }
  }
  assign(c, field_of(*routing, f.path, "failover_enabled"), out.failover_enabled);
  assign(c, field_of(*routing, f.path, "timeout_ms"), out.timeout_ms, 1, 600'000);
  assign(c, field_of(*routing, f.path, "retry_attempts"), out.retry_attempts, 0, 10);

  const Field breaker_field = field_of(*routing, f.path, "circuit_breaker");
  const Doc* breaker = c.mapping(breaker_field);
  if (breaker == nullptr) return;
  const std::string& path = breaker_field.path;
  c.check_keys(*breaker, path, {"enabled", "failure_threshold", "reset_timeout"});
  assign(c, field_of(*breaker, path, "enabled"), out.circuit_breaker.enabled);
  assign(c, field_of(*breaker, path, "failure_threshold"), out.circuit_breaker.failure_threshold, 1,
         1000);
  assign(c, field_of(*breaker, path, "reset_timeout"), out.circuit_breaker.reset_timeout, 1,
         86'400);
}

void parse_health(DocumentChecker& c, const Doc& root, HealthConfig& out) {
  const Field f = field_of(root, "", "health");
  const Doc* health = c.mapping(f);
  if (health == nullptr) return;
  c.check_keys(*health, f.path, {"enabled", "interval", "timeout", "threshold"});
  assign(c, field_of(*health, f.path, "enabled"), out.enabled);
  assign(c, field_of(*health, f.path, "interval"), out.interval, 1, 86'400);
  const Field timeout = field_of(*health, f.path, "timeout");
  if (timeout.absent()) {
    // A short interval without a timeout: the default timeout shrinks to fit it.
    out.timeout = std::min(out.timeout, out.interval);
  } else if (auto value = c.integer(timeout, 1, 3600)) {
    if (*value > out.interval) {
      c.error(timeout.path, "must not exceed health.interval");
    } else {
      out.timeout = *value;
    }
  }
  assign(c, field_of(*health, f.path, "threshold"), out.threshold, 1, 100);
}

void parse_ai(DocumentChecker& c, const Doc& root, AiConfig& out) {
  const Field f = field_of(root, "", "ai");
  const Doc* ai = c.mapping(f);
  if (ai == nullptr) return;
  c.check_keys(*ai, f.path, {"enabled", "model", "min_data_points", "update_interval", "features"});
  assign(c, field_of(*ai, f.path, "enabled"), out.enabled);
  assign(c, field_of(*ai, f.path, "model"), out.model);
  assign(c, field_of(*ai, f.path, "min_data_points"), out.min_data_points, 1, 1'000'000);
  assign(c, field_of(*ai, f.path, "update_interval"), out.update_interval, 1, 86'400);

  const Field features_field = field_of(*ai, f.path, "features");
  const Doc* features = c.sequence(features_field);
  if (features == nullptr) return;
  std::vector<std::string> parsed;
  for (std::size_t i = 0; i < features->size(); ++i) {
    const Doc& item = (*features)[i];
    const Field feature{item.is_null() ? nullptr : &item,
                        detail::index_path(features_field.path, i)};
    if (!c.require(feature)) continue;
    if (auto text = c.string(feature)) {
      if (one_of(kFeatures, *text)) {
        parsed.push_back(*text);
      } else {
        c.error(feature.path, "unknown feature " + in_quotes(*text) +
                                  " (expected one of: latency, load, error_rate)");
      }
    }
  }
  out.features = std::move(parsed);
}

constexpr std::size_t kMaxStatements = 1'000;
constexpr std::size_t kMaxStatementSqlBytes = 65'536;

void parse_statement_sql(DocumentChecker& c, const Field& sql, StatementConfig& out) {
  if (!c.require(sql)) return;
  const auto text = c.string(sql);
  if (!text) return;
  if (text->find_first_not_of(" \t\r\n") == std::string::npos) {
    c.error(sql.path, "is required");
  } else if (text->size() > kMaxStatementSqlBytes) {
    c.error(sql.path, "must be at most 65536 bytes");
  } else if (text->find('\0') != std::string::npos) {
    c.error(sql.path, "must not contain NUL characters");
  } else if (const auto params = scan_placeholders(*text); params.first_gap != 0) {
    c.error(sql.path, "uses $" + std::to_string(params.max) + " but not $" +
                          std::to_string(params.first_gap) +
                          " (parameters are numbered $1, $2, ... without gaps)");
  } else {
    out.sql = *text;
  }
}

void parse_statements(DocumentChecker& c, const Doc& root, ClusterConfig& out) {
  const Field f = field_of(root, "", "statements");
  const Doc* statements = c.mapping(f);
  if (statements == nullptr) return;
  if (statements->size() > kMaxStatements) c.error(f.path, "must have at most 1000 statements");
  for (const auto& [name, value] : statements->items()) {
    const std::string path = detail::join_path(f.path, name);
    if (!is_valid_service_name(name)) {
      c.error(path, "statement name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    }
    if (!value.is_object()) {
      c.error(path, "must be a mapping");
      continue;
    }
    c.check_keys(value, path, {"sql", "read_only", "timeout_ms"});
    StatementConfig statement;
    statement.name = name;
    parse_statement_sql(c, field_of(value, path, "sql"), statement);
    assign(c, field_of(value, path, "read_only"), statement.read_only);
    statement.timeout_ms = c.integer(field_of(value, path, "timeout_ms"), 1, 600'000);
    out.statements.push_back(std::move(statement));
  }
  const bool has_postgres =
      std::any_of(out.services.begin(), out.services.end(),
                  [](const ServiceConfig& s) { return s.type == ServiceType::postgres; });
  if (!statements->empty() && !has_postgres) c.error(f.path, "requires a postgres service");
}

void parse_db(DocumentChecker& c, const Doc& root, ClusterConfig& out) {
  const Field f = field_of(root, "", "db");
  const Doc* db = c.mapping(f);
  if (db == nullptr) return;
  c.check_keys(*db, f.path, {"allow_raw_sql"});
  const Field allow = field_of(*db, f.path, "allow_raw_sql");
  assign(c, allow, out.db.allow_raw_sql);
  if (!out.db.allow_raw_sql && out.statements.empty()) {
    c.warn(allow.path, "is false and no statements are declared: the db API can run nothing");
  }
}

void parse_limits(DocumentChecker& c, const Doc& root, LimitsConfig& out) {
  const Field f = field_of(root, "", "limits");
  const Doc* limits = c.mapping(f);
  if (limits == nullptr) return;
  c.check_keys(*limits, f.path, {"requests_per_second", "burst", "max_in_flight"});
  const Field rps = field_of(*limits, f.path, "requests_per_second");
  if (!rps.absent()) {
    if (!rps.value->is_number() || rps.value->is_boolean()) {
      c.error(rps.path, "must be a number");
    } else if (const double v = rps.value->get<double>(); !(v >= 0) || v > 1'000'000) {
      c.error(rps.path, "must be between 0 (unlimited) and 1000000");
    } else {
      out.requests_per_second = v;
    }
  }
  assign(c, field_of(*limits, f.path, "burst"), out.burst, 0, 1'000'000);
  assign(c, field_of(*limits, f.path, "max_in_flight"), out.max_in_flight, 0, 1'000'000);
  if (out.burst > 0 && out.requests_per_second == 0) {
    c.error(detail::join_path(f.path, "burst"), "needs requests_per_second");
  }
}

void parse_timestamp(DocumentChecker& c, const Doc& root, std::string_view key, std::string& out) {
  const Field f = field_of(root, "", key);
  if (auto text = c.string(f)) {
    if (detail::is_rfc3339(*text)) {
      out = *text;
    } else {
      c.error(f.path, "must be an RFC 3339 timestamp");
    }
  }
}

Result<ParsedCluster> parse_cluster_tree(const Doc& root) {
  DocumentChecker c;
  ParsedCluster parsed;
  ClusterConfig& out = parsed.config;
  if (!root.is_object()) {
    c.error("", "must be a mapping");
  } else {
    c.check_keys(root, "",
                 {"cluster_id", "name", "description", "services", "routing", "health", "ai",
                  "statements", "db", "limits", "created_at", "updated_at"});
    const Field id = field_of(root, "", "cluster_id");
    if (auto text = c.string(id)) {
      if (is_valid_cluster_id(*text)) {
        out.cluster_id = *text;
      } else {
        c.error(id.path, "must match [a-z0-9][a-z0-9_-]{0,62}");
      }
    }
    parse_name(c, root, out);
    assign(c, field_of(root, "", "description"), out.description);
    parse_services(c, root, out);
    parse_routing(c, root, out.routing);
    parse_health(c, root, out.health);
    parse_ai(c, root, out.ai);
    parse_statements(c, root, out);
    parse_db(c, root, out);
    parse_limits(c, root, out.limits);
    parse_timestamp(c, root, "created_at", out.created_at);
    parse_timestamp(c, root, "updated_at", out.updated_at);
  }
  if (c.has_errors()) {
    return Error(Errc::validation_failed, c.errors().front().to_string(),
                 detail::issues_to_json(c.errors()));
  }
  parsed.warnings = c.warnings();
  return parsed;
}

}  // namespace

Result<ParsedCluster> parse_cluster_yaml(std::string_view yaml_text) {
  auto tree = detail::yaml_to_json(yaml_text);
  if (!tree) return tree.error();
  return parse_cluster_tree(*tree);
}

Result<ParsedCluster> parse_cluster_json(const nlohmann::json& doc) {
  return parse_cluster_tree(detail::to_ordered(doc));
}

}  // namespace throome::config
