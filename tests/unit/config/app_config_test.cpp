// throome.yaml: parse_app_config, load_app_config, validate_app_config.

#include "throome/config/app_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "throome/config/config_error.hpp"

namespace throome::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// The ConfigError thrown by `fn`, or a failure.
template <class Fn>
ConfigError error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError thrown";
  return ConfigError("", "", "");
}

ConfigError parse_error(const std::string& yaml) {
  return error_of([&] { (void)parse_app_config(yaml, "test.yaml"); });
}

/// Expects parsing `yaml` to fail at `key` with `reason`.
void expect_rejected(const std::string& yaml, const std::string& key, const std::string& reason) {
  const ConfigError e = parse_error(yaml);
  EXPECT_EQ(e.source(), "test.yaml") << yaml;
  EXPECT_EQ(e.key(), key) << yaml;
  EXPECT_EQ(e.reason(), reason) << yaml;
  EXPECT_EQ(std::string(e.what()), "test.yaml: " + key + ": " + reason);
}

TEST(AppConfig, EmptyFileMeansDefaults) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "~\n"}) {
    const AppConfig cfg = parse_app_config(text, "empty.yaml");
    EXPECT_EQ(cfg.server.host, "127.0.0.1") << text;
    EXPECT_EQ(cfg.server.port, 9000);
    EXPECT_EQ(cfg.server.threads, 0);
    EXPECT_EQ(cfg.server.read_timeout, milliseconds(30'000));
    EXPECT_EQ(cfg.server.write_timeout, milliseconds(30'000));
    EXPECT_EQ(cfg.server.idle_timeout, milliseconds(60'000));
    EXPECT_EQ(cfg.server.shutdown_timeout, milliseconds(10'000));
    EXPECT_EQ(cfg.server.max_header_bytes, 16u * 1024);
    EXPECT_EQ(cfg.server.max_body_bytes, 8u * 1024 * 1024);
    EXPECT_TRUE(cfg.server.cors.enabled);
    EXPECT_EQ(cfg.server.cors.allowed_origins, std::vector<std::string>{"*"});
    EXPECT_EQ(cfg.server.cors.max_age, seconds(600));
    EXPECT_EQ(cfg.gateway.clusters_dir, "./clusters");
    EXPECT_EQ(cfg.gateway.state_dir, "./.throome");
    EXPECT_EQ(cfg.gateway.max_connections, 10'000);
    EXPECT_TRUE(cfg.monitoring.enabled);
    EXPECT_EQ(cfg.monitoring.metrics_path, "/metrics");
    EXPECT_EQ(cfg.logging.level, "info");
    EXPECT_EQ(cfg.logging.format, "text");
    EXPECT_TRUE(cfg.warnings.empty());
  }
}

TEST(AppConfig, ReadsEveryKey) {
  const AppConfig cfg = parse_app_config(R"(
server:
  host: 0.0.0.0
  port: 0
  threads: 4
  read_timeout: 500ms
  write_timeout: 2m
  idle_timeout: 1h
  shutdown_timeout: 3
  max_header_bytes: 32KiB
  max_body_bytes: 1MB
  cors:
    enabled: false
    allowed_origins: [https://a.example, https://b.example]
    allowed_methods: [GET]
    allowed_headers: []
    max_age: 2m
gateway:
  clusters_dir: /var/lib/throome/clusters
  state_dir: /var/lib/throome/state
  max_connections: 50
monitoring:
  enabled: false
  metrics_path: /internal/metrics
logging:
  level: WARNING
  format: JSON
)",
                                         "full.yaml");
  EXPECT_EQ(cfg.server.host, "0.0.0.0");
  EXPECT_EQ(cfg.server.port, 0);
  EXPECT_EQ(cfg.server.threads, 4);
  EXPECT_EQ(cfg.server.read_timeout, milliseconds(500));
  EXPECT_EQ(cfg.server.write_timeout, milliseconds(120'000));
  EXPECT_EQ(cfg.server.idle_timeout, milliseconds(3'600'000));
  EXPECT_EQ(cfg.server.shutdown_timeout, milliseconds(3'000));
  EXPECT_EQ(cfg.server.max_header_bytes, 32u * 1024);
  EXPECT_EQ(cfg.server.max_body_bytes, 1'000'000u);
  EXPECT_FALSE(cfg.server.cors.enabled);
  EXPECT_EQ(cfg.server.cors.allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(cfg.server.cors.allowed_methods, std::vector<std::string>{"GET"});
  EXPECT_TRUE(cfg.server.cors.allowed_headers.empty());
  EXPECT_EQ(cfg.server.cors.max_age, seconds(120));
  EXPECT_EQ(cfg.gateway.clusters_dir, "/var/lib/throome/clusters");
  EXPECT_EQ(cfg.gateway.state_dir, "/var/lib/throome/state");
  EXPECT_EQ(cfg.gateway.max_connections, 50);
  EXPECT_FALSE(cfg.monitoring.enabled);
  EXPECT_EQ(cfg.monitoring.metrics_path, "/internal/metrics");
  EXPECT_EQ(cfg.logging.level, "warn");
  EXPECT_EQ(cfg.logging.format, "json");
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(AppConfig, LegacyGoConfigLoadsWithWarnings) {
  const AppConfig cfg = parse_app_config(R"(
server: {host: "0.0.0.0", port: 9000, read_timeout: 30, write_timeout: 30}
gateway: {clusters_dir: "./clusters", max_connections: 1000, connection_timeout: 10, enable_ai: false}
dashboard: {enabled: true, port: 9001, path: "/dashboard"}
monitoring: {enabled: true, metrics_path: "/metrics", collection_interval: 10}
logging: {level: "info", development: false, output_path: "stdout"}
)",
                                         "legacy.yaml");
  EXPECT_EQ(cfg.server.host, "0.0.0.0");
  EXPECT_EQ(cfg.server.port, 9000);
  EXPECT_EQ(cfg.server.read_timeout, milliseconds(30'000));
  EXPECT_EQ(cfg.gateway.max_connections, 1000);
  EXPECT_EQ(cfg.warnings, (std::vector<std::string>{
                              "dashboard: legacy key (ignored)",
                              "gateway.connection_timeout: legacy key (ignored)",
                              "gateway.enable_ai: legacy key (ignored)",
                              "monitoring.collection_interval: legacy key (ignored)",
                              "logging.development: legacy key (ignored)",
                              "logging.output_path: legacy key (ignored)",
                          }));
}

TEST(AppConfig, UnknownKeysAreWarnings) {
  const AppConfig cfg = parse_app_config(R"(
server: {prot: 9000, cors: {credentials: true}}
extra: 1
logging: {colour: true}
)",
                                         "t.yaml");
  EXPECT_EQ(cfg.server.port, 9000);
  // Top-level keys first, then each section in turn.
  EXPECT_EQ(cfg.warnings, (std::vector<std::string>{
                              "extra: unknown key (ignored)", "server.prot: unknown key (ignored)",
                              "server.cors.credentials: unknown key (ignored)",
                              "logging.colour: unknown key (ignored)"}));
}

TEST(AppConfig, ExampleFileParses) {
  const std::string path = std::string(THROOME_SOURCE_DIR) + "/configs/throome.example.yaml";
  const AppConfig cfg = load_app_config(path);
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_EQ(cfg.server.host, "127.0.0.1");  // no auth: loopback only
  EXPECT_FALSE(cfg.auth.enabled);
  EXPECT_EQ(cfg.auth.api_keys.size(), 3u);
  EXPECT_EQ(cfg.server.port, 9000);
  EXPECT_EQ(cfg.server.read_timeout, milliseconds(30'000));
  EXPECT_EQ(cfg.server.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(cfg.gateway.clusters_dir, "./clusters");
  EXPECT_EQ(cfg.logging.level, "info");
}

TEST(AppConfig, TypeErrors) {
  expect_rejected("server: 9000", "server", "must be a mapping");
  expect_rejected("server: {host: 1}", "server.host", "must be a string");
  expect_rejected("server: {port: \"9000\"}", "server.port", "must be an integer");
  expect_rejected("server: {port: 90.5}", "server.port", "must be an integer");
  expect_rejected("server: {threads: true}", "server.threads", "must be an integer");
  expect_rejected("server: {cors: {enabled: yes}}", "server.cors.enabled", "must be a boolean");
  expect_rejected("server: {cors: {allowed_origins: \"*\"}}", "server.cors.allowed_origins",
                  "must be a sequence");
  expect_rejected("server: {cors: {allowed_methods: [GET, 1]}}", "server.cors.allowed_methods[1]",
                  "must be a string");
  expect_rejected("server: {cors: {allowed_headers: [~]}}", "server.cors.allowed_headers[0]",
                  "is required");
  expect_rejected("gateway: [a]", "gateway", "must be a mapping");
  expect_rejected("gateway: {clusters_dir: 5}", "gateway.clusters_dir", "must be a string");
  expect_rejected("monitoring: {enabled: 1}", "monitoring.enabled", "must be a boolean");
  expect_rejected("logging: {level: 3}", "logging.level", "must be a string");
}

TEST(AppConfig, RangeErrors) {
  expect_rejected("server: {port: 65536}", "server.port", "must be between 0 and 65535");
  expect_rejected("server: {port: -1}", "server.port", "must be between 0 and 65535");
  expect_rejected("server: {threads: 257}", "server.threads", "must be between 0 and 256");
  expect_rejected("server: {threads: -1}", "server.threads", "must be between 0 and 256");
  expect_rejected("gateway: {max_connections: 0}", "gateway.max_connections",
                  "must be between 1 and 1000000");
  expect_rejected("gateway: {max_connections: 1000001}", "gateway.max_connections",
                  "must be between 1 and 1000000");
}

TEST(AppConfig, StringRules) {
  expect_rejected("server: {host: \"\"}", "server.host", "must not be empty");
  expect_rejected("server: {host: \"0.0.0.0 \"}", "server.host",
                  "must not contain whitespace or control characters");
  expect_rejected("gateway: {clusters_dir: \"\"}", "gateway.clusters_dir", "must not be empty");
  expect_rejected("gateway: {state_dir: \"\"}", "gateway.state_dir", "must not be empty");
  expect_rejected("monitoring: {metrics_path: metrics}", "monitoring.metrics_path",
                  "must start with \"/\"");
  expect_rejected("monitoring: {metrics_path: /api/metrics}", "monitoring.metrics_path",
                  "must not start with \"/api/\"");
  expect_rejected("logging: {level: verbose}", "logging.level",
                  "must be one of: trace, debug, info, warn, error, critical, off");
  expect_rejected("logging: {format: xml}", "logging.format", "must be one of: text, json");
}

TEST(AppConfig, EveryLogLevel) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(parse_app_config(std::string("logging: {level: ") + level + "}", "t").logging.level,
              level);
  }
  EXPECT_EQ(parse_app_config("logging: {level: warning}", "t").logging.level, "warn");
  EXPECT_EQ(normalize_log_level("Warning"), "warn");
  EXPECT_EQ(normalize_log_level("DEBUG"), "debug");
  EXPECT_EQ(normalize_log_level("loud"), std::nullopt);
}

TEST(AppConfig, DurationRules) {
  const std::string reason =
      "must be a duration such as 500ms, 30s, 2m or 1h (a bare integer is seconds)";
  expect_rejected("server: {read_timeout: 0}", "server.read_timeout", "must be greater than 0");
  expect_rejected("server: {write_timeout: 0ms}", "server.write_timeout", "must be greater than 0");
  expect_rejected("server: {idle_timeout: -5}", "server.idle_timeout", "must be greater than 0");
  expect_rejected("server: {shutdown_timeout: 10 seconds}", "server.shutdown_timeout", reason);
  expect_rejected("server: {read_timeout: 1.5}", "server.read_timeout", reason);
  expect_rejected("server: {read_timeout: true}", "server.read_timeout", reason);
  expect_rejected("server: {read_timeout: 99999999999999999}", "server.read_timeout", reason);
  expect_rejected("server: {cors: {max_age: 1500ms}}", "server.cors.max_age",
                  "must be a whole number of seconds");
  expect_rejected("server: {cors: {max_age: -1}}", "server.cors.max_age", "must not be negative");
  EXPECT_EQ(parse_app_config("server: {cors: {max_age: 0}}", "t").server.cors.max_age, seconds(0));
}

TEST(AppConfig, SizeRules) {
  const std::string reason = "must be a size such as 16KiB, 8MiB, 1MB or 1048576 (bytes)";
  expect_rejected("server: {max_header_bytes: 1023}", "server.max_header_bytes",
                  "must be between 1KiB and 1MiB");
  expect_rejected("server: {max_header_bytes: 2MiB}", "server.max_header_bytes",
                  "must be between 1KiB and 1MiB");
  expect_rejected("server: {max_body_bytes: 512B}", "server.max_body_bytes",
                  "must be between 1KiB and 1GiB");
  expect_rejected("server: {max_body_bytes: 2GiB}", "server.max_body_bytes",
                  "must be between 1KiB and 1GiB");
  expect_rejected("server: {max_body_bytes: -1}", "server.max_body_bytes", reason);
  expect_rejected("server: {max_body_bytes: 8 megabytes}", "server.max_body_bytes", reason);
  expect_rejected("server: {max_body_bytes: [8]}", "server.max_body_bytes", reason);
  const AppConfig cfg =
      parse_app_config("server: {max_header_bytes: 1024, max_body_bytes: 1GiB}", "t");
  EXPECT_EQ(cfg.server.max_header_bytes, 1024u);
  EXPECT_EQ(cfg.server.max_body_bytes, 1024u * 1024 * 1024);
}

TEST(AppConfig, RootMustBeAMapping) {
  const ConfigError e = parse_error("- server\n");
  EXPECT_EQ(e.key(), "");
  EXPECT_EQ(e.reason(), "must be a mapping");
  EXPECT_STREQ(e.what(), "test.yaml: must be a mapping");
}

TEST(AppConfig, SyntaxErrorHasLineAndColumn) {
  const ConfigError e = parse_error("server:\n  port: 9000\n  host: [oops\n");
  EXPECT_EQ(e.source(), "test.yaml");
  EXPECT_EQ(e.key(), "");
  EXPECT_EQ(e.reason(), "invalid YAML at line 4, column 1: end of sequence flow not found");
}

TEST(AppConfig, DuplicateKeysAreSyntaxErrors) {
  const ConfigError e = parse_error("server:\n  port: 1\n  port: 2\n");
  EXPECT_EQ(e.reason(), "invalid YAML at line 3, column 3: duplicate key \"port\"");
}

TEST(AppConfig, ReportsTheFirstProblem) {
  expect_rejected("server: {port: 70000, threads: 999}\nlogging: {level: x}", "server.port",
                  "must be between 0 and 65535");
}

// ---------------------------------------------------------------------------------------------

class AppConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("throome-app-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(AppConfigFile, LoadsAFile) {
  const std::string path = write("throome.yaml", "server: {port: 9100}\n");
  const AppConfig cfg = load_app_config(path);
  EXPECT_EQ(cfg.server.port, 9100);
}

TEST_F(AppConfigFile, ErrorsNameTheFile) {
  const std::string path = write("bad.yaml", "server: {port: 70000}\n");
  const ConfigError e = error_of([&] { (void)load_app_config(path); });
  EXPECT_EQ(e.source(), path);
  EXPECT_EQ(e.key(), "server.port");
  EXPECT_EQ(std::string(e.what()), path + ": server.port: must be between 0 and 65535");
}

TEST_F(AppConfigFile, MissingFile) {
  const std::string path = (dir_ / "absent.yaml").string();
  const ConfigError e = error_of([&] { (void)load_app_config(path); });
  EXPECT_EQ(e.source(), path);
  EXPECT_EQ(e.key(), "");
  EXPECT_EQ(e.reason(), "cannot read file: No such file or directory");
}

TEST_F(AppConfigFile, DirectoryIsNotAFile) {
  const ConfigError e = error_of([&] { (void)load_app_config(dir_.string()); });
  EXPECT_EQ(e.reason(), "cannot read file: Is a directory");
}

TEST_F(AppConfigFile, EmptyFileIsDefaults) {
  const AppConfig cfg = load_app_config(write("empty.yaml", ""));
  EXPECT_EQ(cfg.server.port, 9000);
}

// ---------------------------------------------------------------------------------------------

void expect_invalid(const AppConfig& cfg, const std::string& key, const std::string& reason) {
  const ConfigError e = error_of([&] { validate_app_config(cfg, "command line"); });
  EXPECT_EQ(e.source(), "command line");
  EXPECT_EQ(e.key(), key);
  EXPECT_EQ(e.reason(), reason);
}

TEST(ValidateAppConfig, DefaultsAreValid) { EXPECT_NO_THROW(validate_app_config({}, "defaults")); }

TEST(ValidateAppConfig, RechecksEveryRule) {
  AppConfig cfg;
  cfg.server.host = "";
  expect_invalid(cfg, "server.host", "must not be empty");
  cfg = {};
  cfg.server.threads = 300;
  expect_invalid(cfg, "server.threads", "must be between 0 and 256");
  cfg = {};
  cfg.server.idle_timeout = milliseconds(0);
  expect_invalid(cfg, "server.idle_timeout", "must be greater than 0");
  cfg = {};
  cfg.server.max_header_bytes = 10;
  expect_invalid(cfg, "server.max_header_bytes", "must be between 1KiB and 1MiB");
  cfg = {};
  cfg.server.max_body_bytes = std::size_t{2} << 30;
  expect_invalid(cfg, "server.max_body_bytes", "must be between 1KiB and 1GiB");
  cfg = {};
  cfg.gateway.clusters_dir = "";
  expect_invalid(cfg, "gateway.clusters_dir", "must not be empty");
  cfg = {};
  cfg.gateway.max_connections = 0;
  expect_invalid(cfg, "gateway.max_connections", "must be between 1 and 1000000");
  cfg = {};
  cfg.monitoring.metrics_path = "/api/v1/metrics";
  expect_invalid(cfg, "monitoring.metrics_path", "must not start with \"/api/\"");
  cfg = {};
  cfg.logging.level = "chatty";
  expect_invalid(cfg, "logging.level",
                 "must be one of: trace, debug, info, warn, error, critical, off");
  cfg = {};
  cfg.logging.format = "yaml";
  expect_invalid(cfg, "logging.format", "must be one of: text, json");
}

TEST(ValidateAppConfig, AcceptsFlagSpellingOfWarning) {
  AppConfig cfg;
  cfg.logging.level = "warning";
  EXPECT_NO_THROW(validate_app_config(cfg, "command line"));
}

TEST(ValidateAppConfig, WantsCanonicalSpellings) {
  // Flags arrive verbatim (the file and the environment are normalized): "WARN" would reach the
  // logger as an unknown level.
  AppConfig cfg;
  cfg.logging.level = "WARN";
  expect_invalid(cfg, "logging.level",
                 "must be one of: trace, debug, info, warn, error, critical, off");
  cfg = {};
  cfg.logging.format = "JSON";
  expect_invalid(cfg, "logging.format", "must be one of: text, json");
}

TEST(AppConfig, MonitoringActivityKeys) {
  const AppConfig defaults = parse_app_config("", "empty.yaml");
  EXPECT_EQ(defaults.monitoring.activity_size, 1000);
  EXPECT_FALSE(defaults.monitoring.activity_store_values);
  EXPECT_EQ(defaults.monitoring.activity_value_max_bytes, 256u);

  const AppConfig cfg = parse_app_config(R"(
monitoring:
  activity_size: 0
  activity_store_values: true
  activity_value_max_bytes: 1KiB
)",
                                         "activity.yaml");
  EXPECT_EQ(cfg.monitoring.activity_size, 0);
  EXPECT_TRUE(cfg.monitoring.activity_store_values);
  EXPECT_EQ(cfg.monitoring.activity_value_max_bytes, 1024u);
  EXPECT_TRUE(cfg.warnings.empty());

  expect_rejected("monitoring: {activity_size: -1}", "monitoring.activity_size",
                  "must be between 0 and 1000000");
  expect_rejected("monitoring: {activity_size: 1000001}", "monitoring.activity_size",
                  "must be between 0 and 1000000");
  expect_rejected("monitoring: {activity_size: 10.5}", "monitoring.activity_size",
                  "must be an integer");
  expect_rejected("monitoring: {activity_store_values: yes}", "monitoring.activity_store_values",
                  "must be a boolean");
  expect_rejected("monitoring: {activity_value_max_bytes: 8}",
                  "monitoring.activity_value_max_bytes", "must be between 16 bytes and 64KiB");
  expect_rejected("monitoring: {activity_value_max_bytes: 1MiB}",
                  "monitoring.activity_value_max_bytes", "must be between 16 bytes and 64KiB");
}

TEST(AppConfig, MetricsPathMustNotShadowARoute) {
  for (const char* path : {"/", "/health", "/readyz", "/health/"}) {
    expect_rejected(std::string("monitoring: {metrics_path: \"") + path + "\"}",
                    "monitoring.metrics_path",
                    "must not be a path the gateway already serves (/, /health, /readyz)");
  }
  expect_rejected("monitoring: {metrics_path: \"/m/{x}\"}", "monitoring.metrics_path",
                  "must not contain \"{\" or \"}\"");
  EXPECT_EQ(parse_app_config("monitoring: {metrics_path: /prom/metrics}", "t.yaml")
                .monitoring.metrics_path,
            "/prom/metrics");
}

TEST(ValidateAppConfig, RechecksMonitoringActivityRules) {
  AppConfig cfg;
  cfg.monitoring.activity_size = -5;
  expect_invalid(cfg, "monitoring.activity_size", "must be between 0 and 1000000");
  cfg = {};
  cfg.monitoring.activity_value_max_bytes = 100'000;
  expect_invalid(cfg, "monitoring.activity_value_max_bytes", "must be between 16 bytes and 64KiB");
  cfg = {};
  cfg.monitoring.metrics_path = "/readyz";
  expect_invalid(cfg, "monitoring.metrics_path",
                 "must not be a path the gateway already serves (/, /health, /readyz)");
}

}  // namespace
}  // namespace throome::config

namespace throome::config {
namespace {

TEST(AppConfig, ProvisionSection) {
  const AppConfig defaults = parse_app_config("", "test");
  EXPECT_EQ(defaults.provision.redis_server, "redis-server");
  EXPECT_EQ(defaults.provision.postgres_bin_dir, "");
  EXPECT_EQ(defaults.provision.start_timeout, std::chrono::milliseconds(60'000));

  const AppConfig cfg = parse_app_config(
      "provision: {redis_server: /opt/redis/bin/redis-server, postgres_bin_dir: "
      "/usr/lib/postgresql/15/bin, start_timeout: 90s}",
      "test");
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_EQ(cfg.provision.redis_server, "/opt/redis/bin/redis-server");
  EXPECT_EQ(cfg.provision.postgres_bin_dir, "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(cfg.provision.start_timeout, std::chrono::milliseconds(90'000));

  EXPECT_THROW(parse_app_config("provision: {redis_server: \"\"}", "test"), ConfigError);
  EXPECT_THROW(parse_app_config("provision: {start_timeout: 0}", "test"), ConfigError);
  EXPECT_THROW(parse_app_config("provision: {postgres_bin_dir: 5}", "test"), ConfigError);
  EXPECT_THROW(parse_app_config("provision: [x]", "test"), ConfigError);
  const AppConfig unknown = parse_app_config("provision: {redis: x}", "test");
  EXPECT_EQ(unknown.warnings, std::vector<std::string>{"provision.redis: unknown key (ignored)"});
}

}  // namespace
}  // namespace throome::config
