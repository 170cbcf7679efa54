#include <charconv>
#include <string>

#include "config/app_rules.hpp"
#include "throome/config/app_config.hpp"
#include "throome/config/config_error.hpp"

namespace throome::config {
namespace {

constexpr const char* kSource = "environment";

[[noreturn]] void fail(const char* var, std::string reason) {
  throw ConfigError(kSource, var, std::move(reason));
}

/// A plain decimal integer in [min, max], or nullopt.
std::optional<int> parse_int(const std::string& text, int min, int max) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace

void apply_env_overrides(AppConfig& cfg, const EnvLookup& env) {
  // An unset or empty variable leaves the file's value alone.
  const auto get = [&](const char* var) -> std::optional<std::string> {
    auto value = env ? env(var) : std::nullopt;
    if (value && value->empty()) return std::nullopt;
    return value;
  };

  if (auto v = get("THROOME_HOST")) {
    if (auto reason = detail::host_problem(*v)) fail("THROOME_HOST", *reason);
    cfg.server.host = *v;
  }
  if (auto v = get("THROOME_PORT")) {
    const auto port = parse_int(*v, 0, 65535);
    if (!port) fail("THROOME_PORT", "must be an integer between 0 and 65535");
    cfg.server.port = static_cast<std::uint16_t>(*port);
  }
  if (auto v = get("THROOME_THREADS")) {
    const auto threads = parse_int(*v, 0, detail::kMaxThreads);
    if (!threads) fail("THROOME_THREADS", "must be an integer between 0 and 256");
    cfg.server.threads = *threads;
  }
  if (auto v = get("THROOME_CLUSTERS_DIR")) cfg.gateway.clusters_dir = *v;
  if (auto v = get("THROOME_STATE_DIR")) cfg.gateway.state_dir = *v;
  if (auto v = get("THROOME_LOG_LEVEL")) {
    auto level = normalize_log_level(*v);
    if (!level) fail("THROOME_LOG_LEVEL", std::string(detail::kLogLevelReason));
    cfg.logging.level = std::move(*level);
  }
  if (auto v = get("THROOME_LOG_FORMAT")) {
    auto format = detail::normalize_log_format(*v);
    if (!format) fail("THROOME_LOG_FORMAT", std::string(detail::kLogFormatReason));
    cfg.logging.format = std::move(*format);
  }
  if (auto v = get("THROOME_METRICS_PATH")) {
    if (auto reason = detail::metrics_path_problem(*v)) fail("THROOME_METRICS_PATH", *reason);
    cfg.monitoring.metrics_path = *v;
  }
  if (auto v = get("THROOME_MAX_BODY_BYTES")) {
    const auto bytes = parse_size(*v);
    if (!bytes) fail("THROOME_MAX_BODY_BYTES", std::string(detail::kSizeReason));
    if (*bytes < detail::kMinBodyBytes || *bytes > detail::kMaxBodyBytes) {
      fail("THROOME_MAX_BODY_BYTES",
           detail::size_range_reason(detail::kMinBodyBytes, detail::kMaxBodyBytes));
    }
    cfg.server.max_body_bytes = *bytes;
  }
}

}  // namespace throome::config
