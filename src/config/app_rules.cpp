#include "config/app_rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "config/text_checks.hpp"
#include "throome/config/app_config.hpp"

namespace throome::config {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string format_bytes(std::size_t bytes) {
  static constexpr std::array<std::pair<std::size_t, std::string_view>, 3> kUnits = {
      {{std::size_t{1} << 30, "GiB"},
       {std::size_t{1} << 20, "MiB"},
       {std::size_t{1} << 10, "KiB"}}};
  for (const auto& [factor, unit] : kUnits) {
    if (bytes % factor == 0) return std::to_string(bytes / factor) + std::string(unit);
  }
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::optional<std::string> normalize_log_level(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                              "error", "critical", "off"};
  const std::string level = lower(text);
  if (level == "warning") return "warn";
  for (const std::string_view known : kLevels) {
    if (level == known) return level;
  }
  return std::nullopt;
}

namespace detail {

std::optional<std::string> normalize_log_format(std::string_view text) {
  const std::string format = lower(text);
  if (format == "text" || format == "json") return format;
  return std::nullopt;
}

std::optional<std::string> host_problem(std::string_view host) {
  if (host.empty()) return "must not be empty";
  if (!is_valid_utf8(host) || has_whitespace_or_control(host)) {
    return "must not contain whitespace or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> metrics_path_problem(std::string_view path) {
  if (path.empty() || path.front() != '/') return "must start with \"/\"";
  if (path.substr(0, 5) == "/api/") return "must not start with \"/api/\"";
  if (path.find_first_of("{}") != std::string_view::npos) {
    return "must not contain \"{\" or \"}\"";
  }
  std::string_view trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
  if (trimmed == "/" || trimmed == "/health" || trimmed == "/readyz") {
    return "must not be a path the gateway already serves (/, /health, /readyz)";
  }
  if (!is_valid_utf8(path) || has_whitespace_or_control(path)) {
    return "must not contain whitespace or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> key_name_problem(std::string_view name) {
  auto ok_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  };
  if (name.empty() || name.size() > 63 || !std::isalnum(static_cast<unsigned char>(name[0])) ||
      !std::all_of(name.begin(), name.end(), ok_char)) {
    return "must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}";
  }
  return std::nullopt;
}

std::optional<std::string> sha256_hex_problem(std::string_view hex) {
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return "must be the SHA-256 of the key as 64 hex digits (sha256sum of the key without a "
           "newline)";
  }
  return std::nullopt;
}

std::optional<std::string> env_name_problem(std::string_view name) {
  auto ok_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
      !std::all_of(name.begin(), name.end(), ok_char)) {
    return "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)";
  }
  return std::nullopt;
}

std::optional<std::string> role_problem(std::string_view role) {
  if (role == "admin" || role == "operator" || role == "client") return std::nullopt;
  return "must be one of: admin, operator, client";
}

std::string size_range_reason(std::size_t min, std::size_t max) {
  return "must be between " + format_bytes(min) + " and " + format_bytes(max);
}

}  // namespace detail
}  // namespace throome::config
