#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/client/client_error.hpp"

namespace throome::client {

/// One backend given on the command line as `name:type:host:port`
/// (e.g. `cache:redis:127.0.0.1:6379`, `db:postgres:[::1]:5432`).
struct ServiceSpec {
  std::string name;
  std::string type;  // "redis", "postgres" or "kafka" ("postgresql" is normalized)
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;

  /// @return the service as the API expects it under "services": {"type","host","port"}.
  nlohmann::json to_json() const;
  bool operator==(const ServiceSpec&) const = default;
};

/// Parses `name:type:host:port`. The name follows the cluster YAML rule
/// ([A-Za-z0-9][A-Za-z0-9_.-]{0,62}); IPv6 hosts go in brackets.
/// @return the spec, or a Kind::usage error that quotes the spec and says what is wrong.
ClientResult<ServiceSpec> parse_service_spec(std::string_view spec);

/// Builds the POST /api/v1/clusters body {"name", "cluster_id"?, "services": {...}}.
/// @return the body, or a Kind::usage error for an empty name, no services or a service
///         name given twice.
ClientResult<nlohmann::json> make_create_body(std::string_view name,
                                              std::optional<std::string> cluster_id,
                                              const std::vector<ServiceSpec>& services);

}  // namespace throome::client
