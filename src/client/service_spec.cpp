#include "throome/client/service_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <string>
#include <utility>

namespace throome::client {
namespace {

constexpr std::string_view kExpected =
    "expected name:type:host:port (e.g. cache:redis:127.0.0.1:6379)";

ClientError invalid(std::string_view spec, std::string_view reason) {
  return ClientError(ClientError::Kind::usage,
                     "invalid service \"" + std::string(spec) + "\": " + std::string(reason));
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

std::optional<std::string> normalize_type(std::string_view type) {
  std::string t(type);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "postgresql") t = "postgres";
  if (t == "redis" || t == "postgres" || t == "kafka") return t;
  return std::nullopt;
}

}  // namespace

nlohmann::json ServiceSpec::to_json() const {
  return {{"type", type}, {"host", host}, {"port", port}};
}

ClientResult<ServiceSpec> parse_service_spec(std::string_view spec) {
  const auto first = spec.find(':');
  if (first == std::string_view::npos) return invalid(spec, kExpected);
  const auto second = spec.find(':', first + 1);
  if (second == std::string_view::npos) return invalid(spec, kExpected);
  const std::string_view name = spec.substr(0, first);
  const std::string_view type = spec.substr(first + 1, second - first - 1);
  const std::string_view address = spec.substr(second + 1);

  const auto last = address.rfind(':');
  if (last == std::string_view::npos) return invalid(spec, kExpected);
  std::string_view host = address.substr(0, last);
  const std::string_view port_text = address.substr(last + 1);

  if (name.empty()) return invalid(spec, "the service name is empty; " + std::string(kExpected));
  if (!is_valid_name(name)) {
    return invalid(spec, "the service name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  }
  auto normalized = normalize_type(type);
  if (!normalized) {
    return invalid(
        spec, "unknown type \"" + std::string(type) + "\" (expected redis, postgres or kafka)");
  }
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid(spec, "malformed IPv6 host");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid(spec, "an IPv6 host must be in brackets, e.g. db:postgres:[::1]:5432");
  }
  if (host.empty()) return invalid(spec, "the host is empty; " + std::string(kExpected));
  if (std::any_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isspace(c) || std::iscntrl(c) || c == '/' || c == '@';
      })) {
    return invalid(spec, "the host contains an invalid character");
  }

  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return invalid(spec, "the port must be a number between 1 and 65535");
  }

  ServiceSpec out;
  out.name = std::string(name);
  out.type = std::move(*normalized);
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

ClientResult<nlohmann::json> make_create_body(std::string_view name,
                                              std::optional<std::string> cluster_id,
                                              const std::vector<ServiceSpec>& services) {
  if (name.empty()) return ClientError(ClientError::Kind::usage, "the cluster name is empty");
  if (services.empty()) {
    return ClientError(ClientError::Kind::usage, "a cluster needs at least one --service");
  }
  nlohmann::json body = {{"name", name}, {"services", nlohmann::json::object()}};
  if (cluster_id) {
    if (cluster_id->empty()) {
      return ClientError(ClientError::Kind::usage, "the cluster id is empty");
    }
    body["cluster_id"] = std::move(*cluster_id);
  }
  for (const auto& s : services) {
    if (body["services"].contains(s.name)) {
      return ClientError(ClientError::Kind::usage,
                         "service \"" + s.name + "\" is given more than once");
    }
    body["services"][s.name] = s.to_json();
  }
  return body;
}

}  // namespace throome::client
