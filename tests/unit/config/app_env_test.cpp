// apply_env_overrides: THROOME_* variables over the file, and their errors.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "throome/config/app_config.hpp"
#include "throome/config/config_error.hpp"

namespace throome::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

void expect_env_error(const std::map<std::string, std::string>& vars, const std::string& var,
                      const std::string& reason) {
  AppConfig cfg;
  try {
    apply_env_overrides(cfg, fake_env(vars));
    ADD_FAILURE() << "accepted " << var;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.source(), "environment");
    EXPECT_EQ(e.key(), var);
    EXPECT_EQ(e.reason(), reason);
    EXPECT_EQ(std::string(e.what()), "environment: " + var + ": " + reason);
  }
}

TEST(AppEnv, EveryVariableOverridesTheFile) {
  AppConfig cfg = parse_app_config(R"(
server: {host: 10.0.0.1, port: 9100, threads: 2, max_body_bytes: 1MiB}
gateway: {clusters_dir: /file/clusters, state_dir: /file/state}
monitoring: {metrics_path: /file-metrics}
logging: {level: debug, format: text}
)",
                                   "file.yaml");
  apply_env_overrides(cfg, fake_env({{"THROOME_HOST", "0.0.0.0"},
                                     {"THROOME_PORT", "9200"},
                                     {"THROOME_THREADS", "8"},
                                     {"THROOME_CLUSTERS_DIR", "/env/clusters"},
                                     {"THROOME_STATE_DIR", "/env/state"},
                                     {"THROOME_LOG_LEVEL", "Warning"},
                                     {"THROOME_LOG_FORMAT", "json"},
                                     {"THROOME_METRICS_PATH", "/env-metrics"},
                                     {"THROOME_MAX_BODY_BYTES", "16MiB"}}));
  EXPECT_EQ(cfg.server.host, "0.0.0.0");
  EXPECT_EQ(cfg.server.port, 9200);
  EXPECT_EQ(cfg.server.threads, 8);
  EXPECT_EQ(cfg.gateway.clusters_dir, "/env/clusters");
  EXPECT_EQ(cfg.gateway.state_dir, "/env/state");
  EXPECT_EQ(cfg.logging.level, "warn");
  EXPECT_EQ(cfg.logging.format, "json");
  EXPECT_EQ(cfg.monitoring.metrics_path, "/env-metrics");
  EXPECT_EQ(cfg.server.max_body_bytes, 16u * 1024 * 1024);
  EXPECT_NO_THROW(validate_app_config(cfg, "environment"));
}

TEST(AppEnv, UnsetOrEmptyVariablesKeepTheFileValue) {
  AppConfig cfg = parse_app_config("server: {port: 9100}\nlogging: {level: debug}\n", "f.yaml");
  apply_env_overrides(cfg, fake_env({{"THROOME_PORT", ""}, {"THROOME_HOST", ""}}));
  EXPECT_EQ(cfg.server.port, 9100);         // from the file
  EXPECT_EQ(cfg.server.host, "127.0.0.1");  // default: neither file nor env
  EXPECT_EQ(cfg.logging.level, "debug");    // from the file
  apply_env_overrides(cfg, fake_env({{"THROOME_LOG_LEVEL", "error"}}));
  EXPECT_EQ(cfg.logging.level, "error");  // env beats file
  EXPECT_EQ(cfg.server.port, 9100);
}

TEST(AppEnv, NullLookupChangesNothing) {
  AppConfig cfg;
  apply_env_overrides(cfg, nullptr);
  EXPECT_EQ(cfg.server.port, 9000);
}

TEST(AppEnv, PortZeroIsAllowed) {
  AppConfig cfg;
  apply_env_overrides(cfg, fake_env({{"THROOME_PORT", "0"}}));
  EXPECT_EQ(cfg.server.port, 0);
}

TEST(AppEnv, BadValuesNameTheVariable) {
  const std::string port = "must be an integer between 0 and 65535";
  expect_env_error({{"THROOME_PORT", "http"}}, "THROOME_PORT", port);
  expect_env_error({{"THROOME_PORT", "65536"}}, "THROOME_PORT", port);
  expect_env_error({{"THROOME_PORT", "-1"}}, "THROOME_PORT", port);
  expect_env_error({{"THROOME_PORT", "90 00"}}, "THROOME_PORT", port);
  expect_env_error({{"THROOME_PORT", "9000x"}}, "THROOME_PORT", port);
  expect_env_error({{"THROOME_THREADS", "1000"}}, "THROOME_THREADS",
                   "must be an integer between 0 and 256");
  expect_env_error({{"THROOME_HOST", "a b"}}, "THROOME_HOST",
                   "must not contain whitespace or control characters");
  expect_env_error({{"THROOME_LOG_LEVEL", "loud"}}, "THROOME_LOG_LEVEL",
                   "must be one of: trace, debug, info, warn, error, critical, off");
  expect_env_error({{"THROOME_LOG_FORMAT", "xml"}}, "THROOME_LOG_FORMAT",
                   "must be one of: text, json");
  expect_env_error({{"THROOME_METRICS_PATH", "metrics"}}, "THROOME_METRICS_PATH",
                   "must start with \"/\"");
  expect_env_error({{"THROOME_METRICS_PATH", "/api/m"}}, "THROOME_METRICS_PATH",
                   "must not start with \"/api/\"");
  expect_env_error({{"THROOME_MAX_BODY_BYTES", "lots"}}, "THROOME_MAX_BODY_BYTES",
                   "must be a size such as 16KiB, 8MiB, 1MB or 1048576 (bytes)");
  expect_env_error({{"THROOME_MAX_BODY_BYTES", "2GiB"}}, "THROOME_MAX_BODY_BYTES",
                   "must be between 1KiB and 1GiB");
}

TEST(AppEnv, FirstBadVariableWinsAndNothingElseMatters) {
  // THROOME_HOST is applied first; a bad THROOME_PORT still stops start-up.
  expect_env_error({{"THROOME_HOST", "0.0.0.0"}, {"THROOME_PORT", "x"}}, "THROOME_PORT",
                   "must be an integer between 0 and 65535");
}

}  // namespace
}  // namespace throome::config
