#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"
#include "throome/config/cluster_config.hpp"
#include "throome/config/env.hpp"

namespace throome::config {

/// One problem found in a config document: a dotted field path and the reason,
/// e.g. {"services.db.port", "must be between 1 and 65535"}.
struct ConfigIssue {
  std::string path;
  std::string message;
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const ConfigIssue&) const = default;
};

/// A successfully parsed and validated cluster plus non-fatal findings (unknown keys).
struct ParsedCluster {
  ClusterConfig config;
  std::vector<ConfigIssue> warnings;
};

/// Parses and validates a cluster YAML document (the clusters/<id>/config.yaml format).
/// @return the cluster, or Errc::invalid_json for a syntax error (message has line and
///         column), or Errc::validation_failed whose message is the first issue and whose
///         details() is a JSON array of {"path","message"} for every issue found.
Result<ParsedCluster> parse_cluster_yaml(std::string_view yaml_text);

/// Same rules as parse_cluster_yaml for an already-parsed JSON document (the API body).
Result<ParsedCluster> parse_cluster_json(const nlohmann::json& doc);

/// Serializes for the store: every field, string values exactly as written (env references
/// unresolved, secrets included). parse_cluster_yaml(to_yaml(c)) == c.
std::string to_yaml(const ClusterConfig& cluster);

/// The API view: same keys as the YAML; secrets replaced by kRedacted when set.
nlohmann::json to_json(const ClusterConfig& cluster);

/// What a secret reads as in every API response.
inline constexpr std::string_view kRedacted = "********";

/// @return true when an options key names a secret (case-insensitive: contains "password",
///         "passwd", "secret", "token", "credential" or "private", or ends with "_key",
///         ".key", "-key" or ".key.pem", e.g. "sasl.password", "ssl.key"); to_json redacts
///         such values.
bool is_secret_option_key(std::string_view key) noexcept;

/// @return `options` with the value of every secret key (at any depth) replaced by kRedacted
///         and the password of `scheme://user:password@host` URLs masked.
nlohmann::json redact_options(const nlohmann::json& options);

/// Resolves `${ENV}` references in every string value of the cluster.
/// @return the resolved copy, or Errc::validation_failed naming the field and variable.
Result<ClusterConfig> resolve_env(const ClusterConfig& cluster, const EnvLookup& env);

}  // namespace throome::config
