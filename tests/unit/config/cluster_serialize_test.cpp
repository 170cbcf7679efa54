// to_yaml (the stored form, lossless) and to_json (the API view, secrets redacted).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "throome/config/cluster_codec.hpp"
#include "unit/config/cluster_test_util.hpp"

namespace throome::config {
namespace {

using nlohmann::json;

constexpr const char* kDistinctPassword = "Pa55-w0rd_zq9!X";

ServiceConfig service(std::string name, ServiceType type, std::string host, int port) {
  ServiceConfig s;
  s.name = std::move(name);
  s.type = type;
  s.host = std::move(host);
  s.port = port;
  return s;
}

ClusterConfig minimal_cluster() {
  ClusterConfig c;
  c.name = "Shop";
  c.services.push_back(service("cache", ServiceType::redis, "127.0.0.1", 6379));
  return c;
}

ClusterConfig full_cluster() {
  ClusterConfig c;
  c.cluster_id = "shop-01";
  c.name = "Shop";
  c.description = "Everything set";
  ServiceConfig db = service("db", ServiceType::postgres, "db.local", 5432);
  db.username = "app";
  db.password = kDistinctPassword;
  db.database = "shop";
  db.options = json::parse(R"({"application_name": "throome", "connect_timeout": 5,
                               "ratio": 0.1, "big": 1e300, "neg": -2.5, "whole": 3.0,
                               "flag": false, "nothing": null, "list": [1, "2", [], {}],
                               "nested": {"empty": {}, "sasl.password": "nested-secret"}})");
  db.pool = {2, 16, 300, 3600, 250};
  db.tls = {true, "/etc/ca.pem", "/etc/c.pem", "/etc/k.pem", true};
  db.weight = 5;
  db.replicas = {{"r1.local", 5433, "replica", 1}, {"r2.local", 5434, "readonly", 3}};
  c.services.push_back(db);
  ServiceConfig cache = service("cache", ServiceType::redis, "127.0.0.1", 6379);
  cache.options = {{"db", 3}};
  cache.pool.max_connections = 4;
  c.services.push_back(cache);
  ServiceConfig dev = service("scratch", ServiceType::kafka, "127.0.0.1", 0);
  dev.provision = true;
  c.services.push_back(dev);
  c.routing = {"weighted", false, 1200, 0, {false, 9, 30}};
  c.health = {false, 20, 2, 7};
  c.ai = {true, "linear", 10, 60, {"load", "latency"}};
  c.created_at = "2025-01-01T00:00:00Z";
  c.updated_at = "2025-06-30T12:34:56.789+02:00";
  return c;
}

/// Strings that a naive YAML writer turns into something else.
std::vector<std::string> tricky_strings() {
  return {"123",        "true",        "False",     "yes",         "no",
          "on",         "off",         "y",         "null",        "~",
          "1.5",        "1e3",         "0x1F",      "0o17",        ".inf",
          "-.inf",      ".nan",        "+1",        "-",           "--- x",
          "...",        "a: b",        "a #b",      "#c",          "- x",
          "[x]",        "{x: y}",      "'q'",       "\"dq\"",      " lead",
          "trail ",     "multi\nline", "tab\there", "cr\r\nlf",    "ü日本語🚀",
          "${VAR}",     "${A:-b c}",   "$${LIT}",   "@at",         "`tick",
          "!bang",      "&anchor",     "*alias",    "|",           ">",
          "%",          "?",           ":",         "back\\slash", "\x01\x1f",
          "2025-01-01", "12:30",       "1_000",     "0.0.0.0",     "%TAG",
          "<<",         "=",           "a,b",       "\u00a0nbsp",  "end\n",
          "nel\u0085x", "ls\u2028x",   "ps\u2029x", "\ufeffbom",   std::string("nul\0x", 5),
          "cr\ronly",   "\x7f"};
}

ClusterConfig tricky_cluster() {
  ClusterConfig c = minimal_cluster();
  c.description = "Quotes ' and \" and\nnewlines and ${VAR} and unicode ✓";
  const auto strings = tricky_strings();
  for (std::size_t i = 0; i < strings.size(); ++i) {
    ServiceConfig s = service("svc" + std::to_string(i), ServiceType::postgres, "h", 1);
    s.username = strings[i];
    s.password = strings[i];
    s.database = strings[i];
    s.tls.ca_file = strings[i];
    s.options = {{strings[i], strings[i]}, {"key" + std::to_string(i), json::array({strings[i]})}};
    c.services.push_back(s);
  }
  c.ai.model = "123";
  return c;
}

void expect_round_trip(const ClusterConfig& c) {
  const std::string yaml = to_yaml(c);
  auto parsed = parse_cluster_yaml(yaml);
  ASSERT_TRUE(parsed) << parsed.error().message() << "\n"
                      << parsed.error().details().dump() << "\n"
                      << yaml;
  EXPECT_EQ(parsed->config, c) << yaml;
  EXPECT_TRUE(parsed->warnings.empty()) << test_util::describe(parsed->warnings);
  EXPECT_EQ(to_yaml(parsed->config), yaml) << "to_yaml is not a fixed point";
}

TEST(ClusterToYaml, RoundTripsAMinimalCluster) { expect_round_trip(minimal_cluster()); }

TEST(ClusterToYaml, RoundTripsEveryField) { expect_round_trip(full_cluster()); }

TEST(ClusterToYaml, RoundTripsTrickyStrings) { expect_round_trip(tricky_cluster()); }

TEST(ClusterToYaml, RoundTripsEmptyAndNonEmptyOptions) {
  ClusterConfig c = minimal_cluster();
  c.services[0].options = json::object();
  c.services.push_back(service("q", ServiceType::kafka, "k", 9092));
  c.services.back().options = {
      {"client.id", "x"}, {"empty", json::object()}, {"none", json::array()}};
  expect_round_trip(c);
}

TEST(ClusterToYaml, RoundTripsExampleFile) {
  auto parsed = parse_cluster_yaml(
      test_util::read_text_file(std::string(THROOME_SOURCE_DIR) + "/configs/cluster.example.yaml"));
  ASSERT_TRUE(parsed) << parsed.error().message();
  expect_round_trip(parsed->config);
}

TEST(ClusterToYaml, IsDeterministicAndReadable) {
  const std::string yaml = to_yaml(minimal_cluster());
  EXPECT_EQ(yaml, to_yaml(minimal_cluster()));
  EXPECT_EQ(yaml, R"(name: Shop
description: ""
services:
  cache:
    type: redis
    host: "127.0.0.1"
    port: 6379
    weight: 1
routing:
  strategy: round_robin
  failover_enabled: true
  timeout_ms: 5000
  retry_attempts: 3
  circuit_breaker:
    enabled: true
    failure_threshold: 5
    reset_timeout: 60
health:
  enabled: true
  interval: 10
  timeout: 5
  threshold: 3
ai:
  enabled: false
  model: ewma
  min_data_points: 100
  update_interval: 300
  features: [latency, load, error_rate]
)");
}

TEST(ClusterToYaml, QuotesStringsThatWouldChangeType) {
  ClusterConfig c = minimal_cluster();
  c.services[0].password = "123";
  c.services[0].username = "true";
  c.created_at = "2025-01-01T00:00:00Z";
  const std::string yaml = to_yaml(c);
  EXPECT_NE(yaml.find("password: \"123\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("username: \"true\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("created_at: \"2025-01-01T00:00:00Z\"\n"), std::string::npos) << yaml;
}

TEST(ClusterToYaml, KeepsSecretsAndEnvReferencesAsWritten) {
  ClusterConfig c = minimal_cluster();
  c.services[0].password = "${SHOP_REDIS_PASSWORD}";
  c.services[0].options = {{"sasl.password", kDistinctPassword}};
  const std::string yaml = to_yaml(c);
  EXPECT_NE(yaml.find("password: ${SHOP_REDIS_PASSWORD}"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find(kDistinctPassword), std::string::npos) << yaml;
}

TEST(ClusterToYaml, WritesOnlyPoolFieldsThatAreSet) {
  ClusterConfig c = minimal_cluster();
  EXPECT_EQ(to_yaml(c).find("pool:"), std::string::npos);
  c.services[0].pool.max_connections = 4;
  const std::string yaml = to_yaml(c);
  EXPECT_NE(yaml.find("pool:\n      max_connections: 4\n"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("min_connections"), std::string::npos) << yaml;
}

TEST(ClusterToYaml, OmitsAnEmptyClusterIdAndTimestamps) {
  const std::string yaml = to_yaml(minimal_cluster());
  EXPECT_EQ(yaml.find("cluster_id"), std::string::npos);
  EXPECT_EQ(yaml.find("created_at"), std::string::npos);
  EXPECT_EQ(yaml.find("updated_at"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------

TEST(ClusterToJson, UsesTheYamlKeyNames) {
  const json j = to_json(full_cluster());
  EXPECT_EQ(j["cluster_id"], "shop-01");
  EXPECT_EQ(j["name"], "Shop");
  EXPECT_EQ(j["description"], "Everything set");
  EXPECT_EQ(j["created_at"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(j["updated_at"], "2025-06-30T12:34:56.789+02:00");
  const json& db = j["services"]["db"];
  EXPECT_EQ(db["type"], "postgres");
  EXPECT_EQ(db["host"], "db.local");
  EXPECT_EQ(db["port"], 5432);
  EXPECT_EQ(db["username"], "app");
  EXPECT_EQ(db["database"], "shop");
  EXPECT_EQ(db["provision"], false);
  EXPECT_EQ(db["weight"], 5);
  EXPECT_EQ(db["pool"], json::parse(R"({"min_connections": 2, "max_connections": 16,
      "max_idle_time": 300, "max_lifetime": 3600, "wait_timeout_ms": 250})"));
  EXPECT_EQ(db["tls"], json::parse(R"({"enabled": true, "ca_file": "/etc/ca.pem",
      "cert_file": "/etc/c.pem", "key_file": "/etc/k.pem", "insecure_skip_verify": true})"));
  EXPECT_EQ(db["replicas"], json::parse(R"([{"host": "r1.local", "port": 5433, "role": "replica",
      "weight": 1}, {"host": "r2.local", "port": 5434, "role": "readonly", "weight": 3}])"));
  EXPECT_EQ(j["services"]["cache"]["pool"], json::parse(R"({"max_connections": 4})"));
  EXPECT_EQ(j["services"]["scratch"]["provision"], true);
  EXPECT_EQ(j["routing"], json::parse(R"({"strategy": "weighted", "failover_enabled": false,
      "timeout_ms": 1200, "retry_attempts": 0,
      "circuit_breaker": {"enabled": false, "failure_threshold": 9, "reset_timeout": 30}})"));
  EXPECT_EQ(j["health"], json::parse(R"({"enabled": false, "interval": 20, "timeout": 2,
      "threshold": 7})"));
  EXPECT_EQ(j["ai"], json::parse(R"({"enabled": true, "model": "linear", "min_data_points": 10,
      "update_interval": 60, "features": ["load", "latency"]})"));
}

TEST(ClusterToJson, NeverContainsThePassword) {
  const json j = to_json(full_cluster());
  const std::string dumped = j.dump();
  EXPECT_EQ(dumped.find(kDistinctPassword), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("nested-secret"), std::string::npos) << dumped;
  EXPECT_EQ(j["services"]["db"]["password"], kRedacted);
  EXPECT_EQ(j["services"]["db"]["options"]["nested"]["sasl.password"], kRedacted);
  EXPECT_EQ(j["services"]["db"]["options"]["application_name"], "throome");
}

TEST(ClusterToJson, OmitsAnEmptyPassword) {
  const json j = to_json(minimal_cluster());
  EXPECT_FALSE(j["services"]["cache"].contains("password"));
}

TEST(ClusterToJson, RedactsSecretOptionsAndUrlPasswords) {
  ClusterConfig c = minimal_cluster();
  c.services[0].options = json::parse(R"({
      "sasl.password": "p1", "SSL.Key": "p2", "ssl_key": "p3", "api-key": "p4",
      "access_token": "p5", "client_secret": "p6", "Credentials": {"user": "u", "pass": "p7"},
      "list": [{"auth_token": "p8"}], "url": "redis://user:p9@host:6379/0",
      "ssl.key.location": "/etc/key.pem", "key": "not-secret", "keyspace": "ks",
      "token_empty": "", "sasl.username": "alice"})");
  const json options = to_json(c)["services"]["cache"]["options"];
  const std::string dumped = options.dump();
  for (const char* secret : {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}) {
    EXPECT_EQ(dumped.find(std::string("\"") + secret), std::string::npos) << secret << dumped;
  }
  EXPECT_EQ(options["sasl.password"], kRedacted);
  EXPECT_EQ(options["Credentials"], kRedacted);
  EXPECT_EQ(options["list"][0]["auth_token"], kRedacted);
  EXPECT_EQ(options["url"], "redis://user:********@host:6379/0");
  EXPECT_EQ(options["ssl.key.location"], "/etc/key.pem");
  EXPECT_EQ(options["key"], "not-secret");
  EXPECT_EQ(options["keyspace"], "ks");
  EXPECT_EQ(options["token_empty"], "");
  EXPECT_EQ(options["sasl.username"], "alice");
}

TEST(ClusterToJson, DoesNotChangeTheConfig) {
  const ClusterConfig c = full_cluster();
  (void)to_json(c);
  EXPECT_EQ(c.services[0].password, kDistinctPassword);
  EXPECT_EQ(c.services[0].options["nested"]["sasl.password"], "nested-secret");
}

}  // namespace
}  // namespace throome::config
