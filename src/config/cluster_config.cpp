#include "throome/config/cluster_config.hpp"

#include <algorithm>

namespace throome::config {
namespace {

bool is_lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_alnum(char c) noexcept { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string_view to_string(ServiceType t) noexcept {
  switch (t) {
    case ServiceType::redis:
      return "redis";
    case ServiceType::postgres:
      return "postgres";
    case ServiceType::kafka:
      return "kafka";
  }
  return "unknown";
}

std::optional<ServiceType> parse_service_type(std::string_view s) noexcept {
  if (s == "redis") return ServiceType::redis;
  if (s == "postgres" || s == "postgresql") return ServiceType::postgres;
  if (s == "kafka") return ServiceType::kafka;
  return std::nullopt;
}

const ServiceConfig* ClusterConfig::find_service(std::string_view service_name) const noexcept {
  const auto it = std::find_if(services.begin(), services.end(),
                               [&](const ServiceConfig& s) { return s.name == service_name; });
  return it == services.end() ? nullptr : &*it;
}

const StatementConfig* ClusterConfig::find_statement(
    std::string_view statement_name) const noexcept {
  const auto it = std::find_if(statements.begin(), statements.end(),
                               [&](const StatementConfig& s) { return s.name == statement_name; });
  return it == statements.end() ? nullptr : &*it;
}

bool is_valid_cluster_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 63 || !is_lower_alnum(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return is_lower_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_service_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63 || !is_alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

}  // namespace throome::config
