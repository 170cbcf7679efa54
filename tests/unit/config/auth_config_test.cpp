// throome.yaml: auth, server.tls, monitoring.require_auth; cluster limits.

#include <gtest/gtest.h>

#include <string>

#include "throome/config/app_config.hpp"
#include "throome/config/cluster_codec.hpp"
#include "throome/config/config_error.hpp"

namespace throome::config {
namespace {

const std::string kHash(64, 'a');

ConfigError parse_error(const std::string& yaml) {
  try {
    (void)parse_app_config(yaml, "test.yaml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  return ConfigError("", "", "");
}

void expect_rejected(const std::string& yaml, const std::string& key, const std::string& reason) {
  const ConfigError e = parse_error(yaml);
  EXPECT_EQ(e.key(), key) << yaml;
  EXPECT_EQ(e.reason(), reason) << yaml;
}

TEST(AuthConfig, OffByDefault) {
  const AppConfig cfg = parse_app_config("", "t.yaml");
  EXPECT_FALSE(cfg.auth.enabled);
  EXPECT_TRUE(cfg.auth.api_keys.empty());
  EXPECT_FALSE(cfg.server.tls.enabled());
  EXPECT_FALSE(cfg.monitoring.require_auth);
}

TEST(AuthConfig, ReadsEveryField) {
  const AppConfig cfg = parse_app_config(R"(
auth:
  enabled: true
  api_keys:
    - {name: root, key_sha256: ")" + std::string(64, 'A') +
                                             R"(", role: admin}
    - name: app
      key_env: APP_KEY
      role: client
      clusters: [shop, "*"]
      read_only: true
      rate_limit: {requests_per_second: 2.5, burst: 10}
monitoring: {require_auth: true}
server:
  tls: {cert_file: /c.pem, key_file: /k.pem, ca_file: /ca.pem, require_client_cert: true}
)",
                                         "t.yaml");
  ASSERT_EQ(cfg.auth.api_keys.size(), 2u);
  EXPECT_TRUE(cfg.auth.enabled);
  EXPECT_EQ(cfg.auth.api_keys[0].name, "root");
  EXPECT_EQ(cfg.auth.api_keys[0].key_sha256, kHash) << "digests are kept lower-case";
  EXPECT_EQ(cfg.auth.api_keys[0].role, "admin");
  const ApiKeyConfig& app = cfg.auth.api_keys[1];
  EXPECT_EQ(app.key_env, "APP_KEY");
  EXPECT_EQ(app.clusters, (std::vector<std::string>{"shop", "*"}));
  EXPECT_TRUE(app.read_only);
  EXPECT_DOUBLE_EQ(app.rate_limit.requests_per_second, 2.5);
  EXPECT_EQ(app.rate_limit.burst, 10);
  EXPECT_TRUE(cfg.monitoring.require_auth);
  EXPECT_EQ(cfg.server.tls.cert_file, "/c.pem");
  EXPECT_EQ(cfg.server.tls.key_file, "/k.pem");
  EXPECT_EQ(cfg.server.tls.ca_file, "/ca.pem");
  EXPECT_TRUE(cfg.server.tls.require_client_cert);
}

TEST(AuthConfig, ErrorsNameTheExactKey) {
  const std::string head = "auth:\n  enabled: true\n  api_keys:\n    - ";
  expect_rejected(head + "{name: a, role: admin}", "auth.api_keys[0]",
                  "needs exactly one of key_sha256 and key_env");
  expect_rejected(head + "{name: a, key_sha256: " + kHash + ", key_env: X, role: admin}",
                  "auth.api_keys[0]", "needs exactly one of key_sha256 and key_env");
  expect_rejected(head + "{name: a, key_sha256: abc, role: admin}", "auth.api_keys[0].key_sha256",
                  "must be the SHA-256 of the key as 64 hex digits (sha256sum of the key "
                  "without a newline)");
  expect_rejected(head + "{name: a, key_env: 1X, role: admin}", "auth.api_keys[0].key_env",
                  "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  expect_rejected(head + "{name: a, key_env: X, role: root}", "auth.api_keys[0].role",
                  "must be one of: admin, operator, client");
  expect_rejected(head + "{name: a, key_env: X}", "auth.api_keys[0].role", "is required");
  expect_rejected(head + "{key_env: X, role: admin}", "auth.api_keys[0].name", "is required");
  expect_rejected(head + "{name: 'a b', key_env: X, role: admin}", "auth.api_keys[0].name",
                  "must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  expect_rejected(head + "{name: a, key_env: X, role: client}", "auth.api_keys[0].clusters",
                  "is required for role client (cluster ids or \"*\")");
  expect_rejected(head + "{name: a, key_env: X, role: client, clusters: [Bad]}",
                  "auth.api_keys[0].clusters[0]",
                  "must be a cluster id ([a-z0-9][a-z0-9_-]{0,62}) or \"*\"");
  expect_rejected(head + "{name: a, key_env: X, role: operator, clusters: [shop]}",
                  "auth.api_keys[0].clusters",
                  "only applies to role client (operator is not limited to clusters)");
  expect_rejected(head + "{name: a, key_env: X, role: admin, read_only: true}",
                  "auth.api_keys[0].read_only", "only applies to role client");
  expect_rejected(head + "{name: a, key_env: X, role: admin, rate_limit: {requests_per_second: 0}}",
                  "auth.api_keys[0].rate_limit.requests_per_second",
                  "must be greater than 0 and at most 1000000");
  expect_rejected(head + "{name: a, key_env: X, role: admin, rate_limit: {burst: 3}}",
                  "auth.api_keys[0].rate_limit.requests_per_second", "is required");
  expect_rejected(
      head + "{name: a, key_env: X, role: admin}\n    - {name: a, key_env: Y, role: admin}",
      "auth.api_keys[1].name", "duplicates auth.api_keys[0].name");
  expect_rejected(
      head + "{name: a, key_env: X, role: admin}\n    - {name: b, key_env: X, role: admin}",
      "auth.api_keys[1]", "is the same key as auth.api_keys[0]");
  expect_rejected("auth: {enabled: true}", "auth.api_keys",
                  "needs at least one key when auth.enabled is true");
  expect_rejected("auth: {enabled: yes please}", "auth.enabled", "must be a boolean");
  expect_rejected("monitoring: {require_auth: true}", "monitoring.require_auth",
                  "needs auth.enabled: true");
}

TEST(AuthConfig, UnknownKeysAreWarnings) {
  const AppConfig cfg = parse_app_config(
      "auth:\n  enabled: false\n  token: x\n  api_keys:\n    - {name: a, key_env: X, role: admin, "
      "key: plain}\n",
      "t.yaml");
  ASSERT_EQ(cfg.warnings.size(), 2u);
  EXPECT_NE(cfg.warnings[0].find("auth.token"), std::string::npos) << cfg.warnings[0];
  EXPECT_NE(cfg.warnings[1].find("auth.api_keys[0].key"), std::string::npos) << cfg.warnings[1];
}

TEST(TlsConfig, NeedsCertAndKeyTogether) {
  expect_rejected("server: {tls: {cert_file: /c.pem}}", "server.tls.key_file",
                  "is required with server.tls.cert_file");
  expect_rejected("server: {tls: {key_file: /k.pem}}", "server.tls.cert_file",
                  "is required to turn TLS on");
  expect_rejected("server: {tls: {cert_file: /c.pem, key_file: /k.pem, require_client_cert: true}}",
                  "server.tls.ca_file", "is required with require_client_cert: true");
  expect_rejected("server: {tls: {cert_file: \"\", key_file: /k.pem}}", "server.tls.cert_file",
                  "must not be empty");
}

TEST(ClusterLimits, ParseAndRoundTrip) {
  auto parsed = parse_cluster_yaml(R"(
cluster_id: shop
name: Shop
services:
  cache: {type: redis, host: 127.0.0.1, port: 6379}
limits: {requests_per_second: 250.5, burst: 500, max_in_flight: 64}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_DOUBLE_EQ(parsed->config.limits.requests_per_second, 250.5);
  EXPECT_EQ(parsed->config.limits.burst, 500);
  EXPECT_EQ(parsed->config.limits.max_in_flight, 64);
  const std::string yaml = to_yaml(parsed->config);
  auto again = parse_cluster_yaml(yaml);
  ASSERT_TRUE(again) << yaml;
  EXPECT_EQ(again->config.limits, parsed->config.limits);
  EXPECT_EQ(to_json(parsed->config)["limits"]["max_in_flight"], 64);
}

TEST(ClusterLimits, BadValuesNameTheField) {
  const std::string base =
      "cluster_id: shop\nname: Shop\nservices:\n  cache: {type: redis, host: h, port: 1}\n";
  auto bad = [&](const std::string& limits, const std::string& path) {
    auto parsed = parse_cluster_yaml(base + "limits: " + limits + "\n");
    ASSERT_FALSE(parsed) << limits;
    EXPECT_EQ(parsed.error().details().at(0).at("path"), path) << limits;
  };
  bad("{requests_per_second: -1}", "limits.requests_per_second");
  bad("{requests_per_second: fast}", "limits.requests_per_second");
  bad("{max_in_flight: -5}", "limits.max_in_flight");
  bad("{burst: 5}", "limits.burst");
  bad("[1, 2]", "limits");
}

}  // namespace
}  // namespace throome::config
