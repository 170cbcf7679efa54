#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace throome::config::detail {

// Limits of throome.yaml, shared by the file parser, the environment overrides and
// validate_app_config so that all three say the same thing.
inline constexpr int kMaxThreads = 256;
inline constexpr int kMaxGatewayConnections = 1'000'000;
inline constexpr std::size_t kMinHeaderBytes = std::size_t{1} << 10;
inline constexpr std::size_t kMaxHeaderBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMinBodyBytes = std::size_t{1} << 10;
inline constexpr std::size_t kMaxBodyBytes = std::size_t{1} << 30;
inline constexpr int kMaxActivitySize = 1'000'000;
inline constexpr std::size_t kMinActivityValueBytes = 16;
inline constexpr std::size_t kMaxActivityValueBytes = std::size_t{1} << 16;

inline constexpr double kMaxRate = 1'000'000;
inline constexpr int kMaxBurst = 1'000'000;

inline constexpr std::string_view kLogLevelReason =
    "must be one of: trace, debug, info, warn, error, critical, off";
inline constexpr std::string_view kLogFormatReason = "must be one of: text, json";
inline constexpr std::string_view kDurationReason =
    "must be a duration such as 500ms, 30s, 2m or 1h (a bare integer is seconds)";
inline constexpr std::string_view kSizeReason =
    "must be a size such as 16KiB, 8MiB, 1MB or 1048576 (bytes)";

/// @return "text" or "json" for `text` (case-insensitive), else nullopt.
std::optional<std::string> normalize_log_format(std::string_view text);

/// @return why `host` cannot be a listen address, or nullopt when it can.
std::optional<std::string> host_problem(std::string_view host);

/// @return why `path` cannot be the metrics path, or nullopt when it can.
std::optional<std::string> metrics_path_problem(std::string_view path);

/// @return why `name` cannot name an API key ([A-Za-z0-9][A-Za-z0-9_.-]{0,62}), or nullopt.
std::optional<std::string> key_name_problem(std::string_view name);
/// @return why `hex` is not a SHA-256 digest in hex (64 hex digits), or nullopt.
std::optional<std::string> sha256_hex_problem(std::string_view hex);
/// @return why `name` cannot be an environment variable name ([A-Za-z_][A-Za-z0-9_]*).
std::optional<std::string> env_name_problem(std::string_view name);
/// @return why `role` is not admin, operator or client, or nullopt.
std::optional<std::string> role_problem(std::string_view role);

/// "must be between 1KiB and 1MiB" for a byte range of whole KiB/MiB/GiB.
std::string size_range_reason(std::size_t min, std::size_t max);

}  // namespace throome::config::detail
