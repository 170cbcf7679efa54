// Validation rules of the cluster document: every rule, its path and its exact message.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "throome/config/cluster_codec.hpp"
#include "unit/config/cluster_test_util.hpp"

namespace throome::config {
namespace {

using nlohmann::json;
using test_util::base_cluster_json;
using test_util::fails_with;
using test_util::issues_of;

constexpr const char* kMinimalYaml = R"(
name: Shop
services:
  cache: {type: redis, host: 127.0.0.1, port: 6379}
)";

// ---------------------------------------------------------------------------------------------
// One table of rules: each case changes (or removes) one value of a valid document and names
// the only issue that must come out.

struct RuleCase {
  std::string label;
  std::string pointer;
  json value;  // discarded: remove the key
  std::string path;
  std::string message;
};

RuleCase set(std::string label, std::string pointer, json value, std::string path,
             std::string message) {
  return {std::move(label), std::move(pointer), std::move(value), std::move(path),
          std::move(message)};
}

RuleCase remove(std::string label, std::string pointer, std::string path, std::string message) {
  return {std::move(label), std::move(pointer), json(json::value_t::discarded), std::move(path),
          std::move(message)};
}

const std::string kCacheType = "services.cache.type";
const std::string kStrategies =
    " (expected one of: round_robin, weighted, least_connections, consistent_hash, ai)";

std::vector<RuleCase> rule_cases() {
  const std::string long_name(129, 'n');
  const std::string long_host(254, 'h');
  return {
      // cluster_id
      set("IdTraversal", "/cluster_id", "../x", "cluster_id",
          "must match [a-z0-9][a-z0-9_-]{0,62}"),
      set("IdUppercase", "/cluster_id", "Shop", "cluster_id",
          "must match [a-z0-9][a-z0-9_-]{0,62}"),
      set("IdEmpty", "/cluster_id", "", "cluster_id", "must match [a-z0-9][a-z0-9_-]{0,62}"),
      set("IdTooLong", "/cluster_id", std::string(64, 'a'), "cluster_id",
          "must match [a-z0-9][a-z0-9_-]{0,62}"),
      set("IdLeadingDash", "/cluster_id", "-shop", "cluster_id",
          "must match [a-z0-9][a-z0-9_-]{0,62}"),
      set("IdNumber", "/cluster_id", 42, "cluster_id", "must be a string"),
      // name
      remove("NameMissing", "/name", "name", "is required"),
      set("NameEmpty", "/name", "", "name", "is required"),
      set("NameNull", "/name", nullptr, "name", "is required"),
      set("NameNumber", "/name", 7, "name", "must be a string"),
      set("NameTooLong", "/name", long_name, "name", "must be at most 128 characters"),
      set("NameTab", "/name", "Shop\tEU", "name", "must not contain control characters"),
      set("NameNewline", "/name", "Shop\n", "name", "must not contain control characters"),
      set("NameDel", "/name", "Shop\x7f", "name", "must not contain control characters"),
      // description
      set("DescriptionNumber", "/description", 1, "description", "must be a string"),
      // services
      remove("ServicesMissing", "/services", "services", "is required"),
      set("ServicesSequence", "/services", json::array({1}), "services", "must be a mapping"),
      set("ServicesEmpty", "/services", json::object(), "services",
          "must have at least one service"),
      set("ServiceNotMapping", "/services/cache", "redis://x", "services.cache",
          "must be a mapping"),
      set("ServiceNull", "/services/cache", nullptr, "services.cache", "must be a mapping"),
      // type
      remove("TypeMissing", "/services/cache/type", kCacheType, "is required"),
      set("TypeEmpty", "/services/cache/type", "", kCacheType, "is required"),
      set("TypeUnknown", "/services/cache/type", "mongodb", kCacheType,
          "unsupported service type \"mongodb\" (supported: redis, postgres, kafka)"),
      set("TypeUppercase", "/services/cache/type", "Redis", kCacheType,
          "unsupported service type \"Redis\" (supported: redis, postgres, kafka)"),
      set("TypeNumber", "/services/cache/type", 6, kCacheType, "must be a string"),
      // host
      remove("HostMissing", "/services/cache/host", "services.cache.host", "is required"),
      set("HostEmpty", "/services/cache/host", "", "services.cache.host", "is required"),
      set("HostTooLong", "/services/cache/host", long_host, "services.cache.host",
          "must be at most 253 characters"),
      set("HostSpace", "/services/cache/host", "my host", "services.cache.host",
          "must not contain whitespace or control characters"),
      set("HostNewline", "/services/cache/host", "host\n", "services.cache.host",
          "must not contain whitespace or control characters"),
      set("HostNumber", "/services/cache/host", 127, "services.cache.host", "must be a string"),
      // port
      remove("PortMissing", "/services/cache/port", "services.cache.port", "is required"),
      set("PortString", "/services/cache/port", "6379", "services.cache.port",
          "must be an integer"),
      set("PortEnvString", "/services/cache/port", "${PORT}", "services.cache.port",
          "must be an integer"),
      set("PortFloat", "/services/cache/port", 1.5, "services.cache.port", "must be an integer"),
      set("PortWholeFloat", "/services/cache/port", 6379.0, "services.cache.port",
          "must be an integer"),
      set("PortBool", "/services/cache/port", true, "services.cache.port", "must be an integer"),
      set("PortZero", "/services/cache/port", 0, "services.cache.port",
          "must be between 1 and 65535"),
      set("PortTooBig", "/services/cache/port", 65536, "services.cache.port",
          "must be between 1 and 65535"),
      set("PortNegative", "/services/cache/port", -1, "services.cache.port",
          "must be between 1 and 65535"),
      set("PortHuge", "/services/cache/port", 18446744073709551615ULL, "services.cache.port",
          "must be between 1 and 65535"),
      // credentials
      set("UsernameNumber", "/services/db/username", 5, "services.db.username", "must be a string"),
      set("PasswordNumber", "/services/db/password", 123, "services.db.password",
          "must be a string"),
      set("PasswordBool", "/services/db/password", true, "services.db.password",
          "must be a string"),
      set("DatabaseSequence", "/services/db/database", json::array(), "services.db.database",
          "must be a string"),
      // provision
      set("ProvisionString", "/services/cache/provision", "yes", "services.cache.provision",
          "must be a boolean"),
      set("ProvisionNumber", "/services/cache/provision", 1, "services.cache.provision",
          "must be a boolean"),
      // options
      set("OptionsString", "/services/cache/options", "db=0", "services.cache.options",
          "must be a mapping"),
      set("OptionsSequence", "/services/cache/options", json::array(), "services.cache.options",
          "must be a mapping"),
      set("RedisDbTooBig", "/services/cache/options/db", 16, "services.cache.options.db",
          "must be an integer between 0 and 15"),
      set("RedisDbNegative", "/services/cache/options/db", -1, "services.cache.options.db",
          "must be an integer between 0 and 15"),
      set("RedisDbString", "/services/cache/options/db", "0", "services.cache.options.db",
          "must be an integer between 0 and 15"),
      set("RedisDbBool", "/services/cache/options/db", false, "services.cache.options.db",
          "must be an integer between 0 and 15"),
      set("RedisDbFloat", "/services/cache/options/db", 1.5, "services.cache.options.db",
          "must be an integer between 0 and 15"),
      // pool
      set("PoolString", "/services/db/pool", "big", "services.db.pool", "must be a mapping"),
      set("PoolMinNegative", "/services/db/pool/min_connections", -1,
          "services.db.pool.min_connections", "must be between 0 and 10000"),
      set("PoolMaxZero", "/services/db/pool/max_connections", 0, "services.db.pool.max_connections",
          "must be between 1 and 10000"),
      set("PoolMaxString", "/services/db/pool/max_connections", "16",
          "services.db.pool.max_connections", "must be an integer"),
      set("PoolIdleDuration", "/services/db/pool/max_idle_time", "5m",
          "services.db.pool.max_idle_time", "must be an integer"),
      set("PoolIdleNegative", "/services/db/pool/max_idle_time", -5,
          "services.db.pool.max_idle_time", "must be between 0 and 86400"),
      set("PoolLifetimeTooBig", "/services/db/pool/max_lifetime", 604801,
          "services.db.pool.max_lifetime", "must be between 0 and 604800"),
      set("PoolWaitTooBig", "/services/db/pool/wait_timeout_ms", 600001,
          "services.db.pool.wait_timeout_ms", "must be between 0 and 600000"),
      set("PoolMinAboveMax", "/services/db/pool",
          json{{"min_connections", 8}, {"max_connections", 4}}, "services.db.pool.min_connections",
          "must not exceed pool.max_connections"),
      // tls
      set("TlsBool", "/services/db/tls", true, "services.db.tls", "must be a mapping"),
      set("TlsEnabledString", "/services/db/tls/enabled", "true", "services.db.tls.enabled",
          "must be a boolean"),
      set("TlsCaNumber", "/services/db/tls/ca_file", 1, "services.db.tls.ca_file",
          "must be a string"),
      set("TlsCertBool", "/services/db/tls/cert_file", false, "services.db.tls.cert_file",
          "must be a string"),
      set("TlsKeyMapping", "/services/db/tls/key_file", json::object(), "services.db.tls.key_file",
          "must be a string"),
      set("TlsSkipVerifyNumber", "/services/db/tls/insecure_skip_verify", 0,
          "services.db.tls.insecure_skip_verify", "must be a boolean"),
      // weight
      set("WeightZero", "/services/cache/weight", 0, "services.cache.weight",
          "must be between 1 and 1000"),
      set("WeightTooBig", "/services/cache/weight", 1001, "services.cache.weight",
          "must be between 1 and 1000"),
      set("WeightString", "/services/cache/weight", "1", "services.cache.weight",
          "must be an integer"),
      // replicas
      set("ReplicasMapping", "/services/db/replicas", json::object(), "services.db.replicas",
          "must be a sequence"),
      set("ReplicaNotMapping", "/services/db/replicas/0", "replica.local:5433",
          "services.db.replicas[0]", "must be a mapping"),
      remove("ReplicaHostMissing", "/services/db/replicas/0/host", "services.db.replicas[0].host",
             "is required"),
      set("ReplicaHostEmpty", "/services/db/replicas/0/host", "", "services.db.replicas[0].host",
          "is required"),
      set("ReplicaHostSpace", "/services/db/replicas/0/host", "a b", "services.db.replicas[0].host",
          "must not contain whitespace or control characters"),
      remove("ReplicaPortMissing", "/services/db/replicas/0/port", "services.db.replicas[0].port",
             "is required"),
      set("ReplicaPortZero", "/services/db/replicas/0/port", 0, "services.db.replicas[0].port",
          "must be between 1 and 65535"),
      set("ReplicaPortString", "/services/db/replicas/0/port", "5433",
          "services.db.replicas[0].port", "must be an integer"),
      set("ReplicaRoleUnknown", "/services/db/replicas/0/role", "leader",
          "services.db.replicas[0].role",
          "unknown role \"leader\" (expected one of: primary, replica, readonly)"),
      set("ReplicaRoleNumber", "/services/db/replicas/0/role", 1, "services.db.replicas[0].role",
          "must be a string"),
      set("ReplicaWeightZero", "/services/db/replicas/0/weight", 0,
          "services.db.replicas[0].weight", "must be between 1 and 1000"),
      set("SecondReplicaPort", "/services/db/replicas/1", json{{"host", "r2"}, {"port", 70000}},
          "services.db.replicas[1].port", "must be between 1 and 65535"),
      // routing
      set("RoutingString", "/routing", "round_robin", "routing", "must be a mapping"),
      set("StrategyUnknown", "/routing/strategy", "random", "routing.strategy",
          "unknown strategy \"random\"" + kStrategies),
      set("StrategyNumber", "/routing/strategy", 1, "routing.strategy", "must be a string"),
      set("FailoverString", "/routing/failover_enabled", "true", "routing.failover_enabled",
          "must be a boolean"),
      set("TimeoutMsZero", "/routing/timeout_ms", 0, "routing.timeout_ms",
          "must be between 1 and 600000"),
      set("TimeoutMsTooBig", "/routing/timeout_ms", 600001, "routing.timeout_ms",
          "must be between 1 and 600000"),
      set("RetryNegative", "/routing/retry_attempts", -1, "routing.retry_attempts",
          "must be between 0 and 10"),
      set("RetryTooMany", "/routing/retry_attempts", 11, "routing.retry_attempts",
          "must be between 0 and 10"),
      set("BreakerSequence", "/routing/circuit_breaker", json::array(), "routing.circuit_breaker",
          "must be a mapping"),
      set("BreakerEnabledNumber", "/routing/circuit_breaker/enabled", 1,
          "routing.circuit_breaker.enabled", "must be a boolean"),
      set("BreakerThresholdZero", "/routing/circuit_breaker/failure_threshold", 0,
          "routing.circuit_breaker.failure_threshold", "must be between 1 and 1000"),
      set("BreakerThresholdTooBig", "/routing/circuit_breaker/failure_threshold", 1001,
          "routing.circuit_breaker.failure_threshold", "must be between 1 and 1000"),
      set("BreakerResetZero", "/routing/circuit_breaker/reset_timeout", 0,
          "routing.circuit_breaker.reset_timeout", "must be between 1 and 86400"),
      set("BreakerResetTooBig", "/routing/circuit_breaker/reset_timeout", 86401,
          "routing.circuit_breaker.reset_timeout", "must be between 1 and 86400"),
      // health
      set("HealthNumber", "/health", 10, "health", "must be a mapping"),
      set("HealthEnabledString", "/health/enabled", "no", "health.enabled", "must be a boolean"),
      set("HealthIntervalZero", "/health/interval", 0, "health.interval",
          "must be between 1 and 86400"),
      set("HealthIntervalTooBig", "/health/interval", 86401, "health.interval",
          "must be between 1 and 86400"),
      set("HealthTimeoutZero", "/health/timeout", 0, "health.timeout",
          "must be between 1 and 3600"),
      set("HealthTimeoutTooBig", "/health/timeout", 3601, "health.timeout",
          "must be between 1 and 3600"),
      set("HealthTimeoutAboveInterval", "/health", json{{"interval", 5}, {"timeout", 6}},
          "health.timeout", "must not exceed health.interval"),
      set("HealthTimeoutAboveDefaultInterval", "/health/timeout", 11, "health.timeout",
          "must not exceed health.interval"),
      set("HealthThresholdZero", "/health/threshold", 0, "health.threshold",
          "must be between 1 and 100"),
      set("HealthThresholdTooBig", "/health/threshold", 101, "health.threshold",
          "must be between 1 and 100"),
      // ai
      set("AiSequence", "/ai", json::array(), "ai", "must be a mapping"),
      set("AiEnabledNumber", "/ai/enabled", 0, "ai.enabled", "must be a boolean"),
      set("AiModelNumber", "/ai/model", 3, "ai.model", "must be a string"),
      set("AiMinDataPointsZero", "/ai/min_data_points", 0, "ai.min_data_points",
          "must be between 1 and 1000000"),
      set("AiMinDataPointsTooBig", "/ai/min_data_points", 1000001, "ai.min_data_points",
          "must be between 1 and 1000000"),
      set("AiUpdateIntervalZero", "/ai/update_interval", 0, "ai.update_interval",
          "must be between 1 and 86400"),
      set("AiUpdateIntervalTooBig", "/ai/update_interval", 86401, "ai.update_interval",
          "must be between 1 and 86400"),
      set("AiFeaturesString", "/ai/features", "latency", "ai.features", "must be a sequence"),
      set("AiFeatureUnknown", "/ai/features", json::array({"latency", "speed"}), "ai.features[1]",
          "unknown feature \"speed\" (expected one of: latency, load, error_rate)"),
      set("AiFeatureNumber", "/ai/features", json::array({1}), "ai.features[0]",
          "must be a string"),
      set("AiFeatureNull", "/ai/features", json::array({nullptr}), "ai.features[0]", "is required"),
      // timestamps
      set("CreatedAtWords", "/created_at", "yesterday", "created_at",
          "must be an RFC 3339 timestamp"),
      set("CreatedAtNoZone", "/created_at", "2025-01-01T00:00:00", "created_at",
          "must be an RFC 3339 timestamp"),
      set("CreatedAtBadDate", "/created_at", "2025-02-30T00:00:00Z", "created_at",
          "must be an RFC 3339 timestamp"),
      set("UpdatedAtNumber", "/updated_at", 1735689600, "updated_at", "must be a string"),
      set("UpdatedAtDateOnly", "/updated_at", "2025-01-01", "updated_at",
          "must be an RFC 3339 timestamp"),
  };
}

class ClusterRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ClusterRuleTest, ReportsExactlyOneIssue) {
  const RuleCase& c = GetParam();
  json doc = base_cluster_json();
  const json::json_pointer pointer(c.pointer);
  if (c.value.is_discarded()) {
    doc[pointer.parent_pointer()].erase(pointer.back());
  } else {
    doc[pointer] = c.value;
  }
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), c.path, c.message)) << doc.dump();
}

std::string rule_name(const ::testing::TestParamInfo<RuleCase>& param_info) {
  return param_info.param.label;
}

INSTANTIATE_TEST_SUITE_P(Rules, ClusterRuleTest, ::testing::ValuesIn(rule_cases()), rule_name);

// ---------------------------------------------------------------------------------------------

TEST(ClusterParse, MinimalDocumentGetsDefaults) {
  auto parsed = parse_cluster_yaml(kMinimalYaml);
  ASSERT_TRUE(parsed) << parsed.error().message();
  const ClusterConfig& c = parsed->config;
  EXPECT_EQ(c.cluster_id, "");
  EXPECT_EQ(c.name, "Shop");
  EXPECT_EQ(c.description, "");
  ASSERT_EQ(c.services.size(), 1u);
  const ServiceConfig& cache = c.services[0];
  EXPECT_EQ(cache.name, "cache");
  EXPECT_EQ(cache.type, ServiceType::redis);
  EXPECT_EQ(cache.host, "127.0.0.1");
  EXPECT_EQ(cache.port, 6379);
  EXPECT_FALSE(cache.provision);
  EXPECT_EQ(cache.weight, 1);
  EXPECT_EQ(cache.options, json::object());
  EXPECT_EQ(cache.pool, PoolConfig{});
  EXPECT_EQ(cache.tls, TlsConfig{});
  EXPECT_TRUE(cache.replicas.empty());
  EXPECT_EQ(c.routing, RoutingConfig{});
  EXPECT_EQ(c.health, HealthConfig{});
  EXPECT_EQ(c.ai, AiConfig{});
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(ClusterParse, ReadsEveryField) {
  auto parsed = parse_cluster_yaml(R"(
cluster_id: shop-01
name: "Shop EU"
description: Main shop
services:
  db:
    type: postgresql
    host: db.local
    port: 5432
    username: app
    password: "s3cret"
    database: shop
    options: {application_name: throome, nested: {list: [1, two]}}
    pool: {min_connections: 2, max_connections: 16, max_idle_time: 300, max_lifetime: 3600,
           wait_timeout_ms: 250}
    tls: {enabled: true, ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem,
          insecure_skip_verify: true}
    weight: 7
    replicas:
      - {host: r1.local, port: 5433}
      - {host: r2.local, port: 5434, role: readonly, weight: 3}
  queue: {type: kafka, host: k.local, port: 9092}
routing:
  strategy: consistent_hash
  failover_enabled: false
  timeout_ms: 250
  retry_attempts: 0
  circuit_breaker: {enabled: false, failure_threshold: 9, reset_timeout: 30}
health: {enabled: false, interval: 20, timeout: 20, threshold: 7}
ai: {enabled: true, model: linear, min_data_points: 10, update_interval: 60, features: [load]}
created_at: 2025-01-01T00:00:00Z
updated_at: "2025-06-30T12:34:56.789+02:00"
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const ClusterConfig& c = parsed->config;
  EXPECT_EQ(c.cluster_id, "shop-01");
  EXPECT_EQ(c.name, "Shop EU");
  EXPECT_EQ(c.description, "Main shop");
  ASSERT_EQ(c.services.size(), 2u);
  const ServiceConfig& db = c.services[0];
  EXPECT_EQ(db.name, "db");
  EXPECT_EQ(db.type, ServiceType::postgres);
  EXPECT_EQ(db.host, "db.local");
  EXPECT_EQ(db.port, 5432);
  EXPECT_EQ(db.username, "app");
  EXPECT_EQ(db.password, "s3cret");
  EXPECT_EQ(db.database, "shop");
  EXPECT_EQ(db.options,
            json::parse(R"({"application_name":"throome","nested":{"list":[1,"two"]}})"));
  EXPECT_EQ(db.pool.min_connections, 2);
  EXPECT_EQ(db.pool.max_connections, 16);
  EXPECT_EQ(db.pool.max_idle_time, 300);
  EXPECT_EQ(db.pool.max_lifetime, 3600);
  EXPECT_EQ(db.pool.wait_timeout_ms, 250);
  EXPECT_EQ(db.tls, (TlsConfig{true, "/ca.pem", "/c.pem", "/k.pem", true}));
  EXPECT_EQ(db.weight, 7);
  ASSERT_EQ(db.replicas.size(), 2u);
  EXPECT_EQ(db.replicas[0], (ReplicaConfig{"r1.local", 5433, "replica", 1}));
  EXPECT_EQ(db.replicas[1], (ReplicaConfig{"r2.local", 5434, "readonly", 3}));
  EXPECT_EQ(c.services[1].type, ServiceType::kafka);
  EXPECT_EQ(c.routing, (RoutingConfig{"consistent_hash", false, 250, 0, {false, 9, 30}}));
  EXPECT_EQ(c.health, (HealthConfig{false, 20, 20, 7}));
  EXPECT_EQ(c.ai, (AiConfig{true, "linear", 10, 60, {"load"}}));
  EXPECT_EQ(c.created_at, "2025-01-01T00:00:00Z");
  EXPECT_EQ(c.updated_at, "2025-06-30T12:34:56.789+02:00");
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(ClusterParse, KeepsServicesInFileOrder) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  zeta: {type: redis, host: a, port: 1}
  alpha: {type: redis, host: b, port: 2}
  mid: {type: redis, host: c, port: 3}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->config.services.size(), 3u);
  EXPECT_EQ(parsed->config.services[0].name, "zeta");
  EXPECT_EQ(parsed->config.services[1].name, "alpha");
  EXPECT_EQ(parsed->config.services[2].name, "mid");
  EXPECT_EQ(parsed->config.find_service("alpha")->host, "b");
}

TEST(ClusterParse, EveryStrategyIsAccepted) {
  for (const char* strategy :
       {"round_robin", "weighted", "least_connections", "consistent_hash", "ai"}) {
    json doc = base_cluster_json();
    doc["routing"]["strategy"] = strategy;
    auto parsed = parse_cluster_json(doc);
    ASSERT_TRUE(parsed) << strategy << ": " << parsed.error().message();
    EXPECT_EQ(parsed->config.routing.strategy, strategy);
  }
}

TEST(ClusterParse, EveryReplicaRoleIsAccepted) {
  for (const char* role : {"primary", "replica", "readonly"}) {
    json doc = base_cluster_json();
    doc["services"]["db"]["replicas"][0]["role"] = role;
    auto parsed = parse_cluster_json(doc);
    ASSERT_TRUE(parsed) << role << ": " << parsed.error().message();
    EXPECT_EQ(parsed->config.services[1].replicas[0].role, role);
  }
}

TEST(ClusterParse, BoundaryValuesAreAccepted) {
  json doc = base_cluster_json();
  doc["cluster_id"] = "a" + std::string(62, '-');
  doc["name"] = std::string(128, 'n');
  doc["services"]["cache"]["port"] = 65535;
  doc["services"]["cache"]["weight"] = 1000;
  doc["services"]["cache"]["options"]["db"] = 15;
  doc["services"]["cache"]["host"] = std::string(253, 'h');
  doc["services"]["db"]["port"] = 1;
  doc["services"]["db"]["pool"] = {{"min_connections", 4}, {"max_connections", 4}};
  doc["routing"] = {{"timeout_ms", 600000}, {"retry_attempts", 10}};
  doc["health"] = {{"interval", 86400}, {"timeout", 3600}, {"threshold", 100}};
  doc["ai"] = {
      {"min_data_points", 1000000}, {"update_interval", 86400}, {"features", json::array()}};
  auto parsed = parse_cluster_json(doc);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.name.size(), 128u);
  EXPECT_EQ(parsed->config.routing.retry_attempts, 10);
  EXPECT_TRUE(parsed->config.ai.features.empty());
}

TEST(ClusterParse, NameLengthCountsCharactersNotBytes) {
  json doc = base_cluster_json();
  std::string name;
  for (int i = 0; i < 128; ++i) name += "ü";  // 256 bytes, 128 characters
  doc["name"] = name;
  ASSERT_TRUE(parse_cluster_json(doc));
  doc["name"] = name + "ü";
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "name", "must be at most 128 characters"));
}

TEST(ClusterParse, ServiceNamesMustBeUrlSafe) {
  for (const char* bad : {"bad name", "-cache", ".cache", "cache/1", "ca?he", "ünïcode"}) {
    json doc = base_cluster_json();
    doc["services"][bad] = doc["services"]["cache"];
    EXPECT_TRUE(fails_with(parse_cluster_json(doc), std::string("services.") + bad,
                           "service name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}"))
        << bad;
  }
  json doc = base_cluster_json();
  doc["services"][std::string(64, 's')] = doc["services"]["cache"];
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "services." + std::string(64, 's'),
                         "service name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}"));
  doc = base_cluster_json();
  doc["services"]["Cache_2.eu-1"] = doc["services"]["cache"];
  EXPECT_TRUE(parse_cluster_json(doc));
}

TEST(ClusterParse, ProvisionedServiceDefaultsHostAndPort) {
  auto parsed = parse_cluster_yaml(R"(
name: Dev
services:
  cache: {type: redis, provision: true}
  db: {type: postgres, provision: true, host: "", port: 0}
  q: {type: kafka, provision: true, host: 10.0.0.5, port: 19092}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const auto& s = parsed->config.services;
  EXPECT_TRUE(s[0].provision);
  EXPECT_EQ(s[0].host, "127.0.0.1");
  EXPECT_EQ(s[0].port, 0);
  EXPECT_EQ(s[1].host, "127.0.0.1");
  EXPECT_EQ(s[1].port, 0);
  EXPECT_EQ(s[2].host, "10.0.0.5");
  EXPECT_EQ(s[2].port, 19092);
}

TEST(ClusterParse, ProvisionedServicePortStillHasARange) {
  json doc = base_cluster_json();
  doc["services"]["cache"]["provision"] = true;
  doc["services"]["cache"]["port"] = 65536;
  EXPECT_TRUE(
      fails_with(parse_cluster_json(doc), "services.cache.port", "must be between 0 and 65535"));
  doc["services"]["cache"]["port"] = -1;
  EXPECT_TRUE(
      fails_with(parse_cluster_json(doc), "services.cache.port", "must be between 0 and 65535"));
}

TEST(ClusterParse, RedisDbCheckAppliesToRedisOnly) {
  json doc = base_cluster_json();
  doc["services"]["db"]["options"]["db"] = 99;  // a postgres option, free form
  EXPECT_TRUE(parse_cluster_json(doc));
  doc["services"]["cache"]["options"]["db"] = 0;
  EXPECT_TRUE(parse_cluster_json(doc));
}

TEST(ClusterParse, HealthTimeoutShrinksToAShortInterval) {
  json doc = base_cluster_json();
  doc["health"] = {{"interval", 2}};
  auto parsed = parse_cluster_json(doc);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.health.interval, 2);
  EXPECT_EQ(parsed->config.health.timeout, 2);
}

TEST(ClusterParse, NullValuesMeanAbsent) {
  auto parsed = parse_cluster_yaml(R"(
cluster_id: ~
name: Shop
description:
services:
  cache: {type: redis, host: h, port: 1, password: null, options: ~, pool: , tls: }
routing: ~
health:
ai: null
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.description, "");
  EXPECT_EQ(parsed->config.services[0].password, "");
  EXPECT_EQ(parsed->config.services[0].options, json::object());
}

TEST(ClusterParse, CollectsEveryIssueAndReportsTheFirst) {
  json doc = base_cluster_json();
  doc["name"] = "";
  doc["services"]["cache"]["port"] = 0;
  doc["services"]["db"]["type"] = "mysql";
  doc["routing"]["strategy"] = "random";
  auto parsed = parse_cluster_json(doc);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::validation_failed);
  EXPECT_EQ(parsed.error().message(), "name: is required");
  const std::vector<ConfigIssue> expected = {
      {"name", "is required"},
      {"services.cache.port", "must be between 1 and 65535"},
      {"services.db.type",
       "unsupported service type \"mysql\" (supported: redis, postgres, kafka)"},
      {"routing.strategy", "unknown strategy \"random\"" + kStrategies},
  };
  EXPECT_EQ(issues_of(parsed), expected);
  // details() is the JSON the API returns.
  EXPECT_EQ(parsed.error().details()[1],
            json({{"path", "services.cache.port"}, {"message", "must be between 1 and 65535"}}));
}

TEST(ClusterParse, RootMustBeAMapping) {
  EXPECT_TRUE(fails_with(parse_cluster_json(json::array({1, 2})), "", "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml("- a\n- b\n"), "", "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml("just text"), "", "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(""), "", "must be a mapping"));
  auto parsed = parse_cluster_yaml("42");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(), "must be a mapping");
}

TEST(ClusterParse, UnknownKeysBecomeWarnings) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
owner: team-a
services:
  cache:
    type: redis
    host: h
    port: 1
    colour: red
    container_id: 3f2a
    options: {anything: goes, deeply: {nested: true}}
    pool: {max_connections: 2, burst: 4}
    tls: {enabled: false, mode: strict}
    replicas: [{host: r, port: 2, zone: eu}]
routing: {strategy: weighted, sticky: true, circuit_breaker: {half_open: 1}}
health: {path: /ping}
ai: {gpu: false}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const std::vector<ConfigIssue> expected = {
      {"owner", "unknown key (ignored)"},
      {"services.cache.colour", "unknown key (ignored)"},
      {"services.cache.container_id", "legacy key (ignored)"},
      {"services.cache.pool.burst", "unknown key (ignored)"},
      {"services.cache.tls.mode", "unknown key (ignored)"},
      {"services.cache.replicas[0].zone", "unknown key (ignored)"},
      {"routing.sticky", "unknown key (ignored)"},
      {"routing.circuit_breaker.half_open", "unknown key (ignored)"},
      {"health.path", "unknown key (ignored)"},
      {"ai.gpu", "unknown key (ignored)"},
  };
  EXPECT_EQ(parsed->warnings, expected);
  EXPECT_EQ(parsed->config.services[0].options,
            json::parse(R"({"anything":"goes","deeply":{"nested":true}})"));
}

TEST(ClusterParse, StringsWithEnvReferencesAreKeptUnresolved) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: "${REDIS_HOST}", port: 6379, password: "${SHOP_REDIS_PASSWORD}"}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.services[0].host, "${REDIS_HOST}");
  EXPECT_EQ(parsed->config.services[0].password, "${SHOP_REDIS_PASSWORD}");
}

TEST(ClusterParse, InvalidUtf8IsRejected) {
  json doc = base_cluster_json();
  doc["name"] = "Shop \xC3\x28";
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "name", "must be valid UTF-8"));
  doc = base_cluster_json();
  doc["services"]["cache"]["password"] = "\xFF\xFE";
  EXPECT_TRUE(
      fails_with(parse_cluster_json(doc), "services.cache.password", "must be valid UTF-8"));
  doc = base_cluster_json();
  doc["services"]["cache"]["options"]["list"] = json::array({"ok", "\xED\xA0\x80"});
  EXPECT_TRUE(
      fails_with(parse_cluster_json(doc), "services.cache.options.list[1]", "must be valid UTF-8"));
  // Straight from YAML bytes too; the error stays valid JSON.
  auto parsed = parse_cluster_yaml("name: \"Shop\"\nservices:\n  \"c\xFF\": {type: redis}\n");
  ASSERT_FALSE(parsed);
  EXPECT_NO_THROW((void)parsed.error().details().dump());
  EXPECT_EQ(issues_of(parsed).front().path, "services.c?");
}

TEST(ClusterParse, JsonBodyFollowsTheSameRules) {
  auto parsed = parse_cluster_json(base_cluster_json());
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.name, "Shop");
  ASSERT_EQ(parsed->config.services.size(), 2u);
  EXPECT_NE(parsed->config.find_service("cache"), nullptr);
  EXPECT_EQ(parsed->config.find_service("db")->replicas.at(0).host, "replica.local");
  EXPECT_EQ(parsed->config.find_service("nope"), nullptr);
}

// ---------------------------------------------------------------------------------------------
// YAML typing (core schema) as seen through the validator.

TEST(ClusterYamlTyping, QuotedNumbersAreStrings) {
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: "6379"}
)"),
                         "services.cache.port", "must be an integer"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: '${PORT}'}
)"),
                         "services.cache.port", "must be an integer"));
}

TEST(ClusterYamlTyping, PlainScalarsHaveCoreSchemaTypes) {
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 6379, password: 123}
)"),
                         "services.cache.password", "must be a string"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 6379, password: true}
)"),
                         "services.cache.password", "must be a string"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: 1.5
services:
  cache: {type: redis, host: h, port: 6379}
)"),
                         "name", "must be a string"));
  // yes/no/on/off are strings in YAML 1.2, not booleans.
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 6379, provision: yes}
)"),
                         "services.cache.provision", "must be a boolean"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 6379.0}
)"),
                         "services.cache.port", "must be an integer"));
  EXPECT_TRUE(fails_with(parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: !!str 6379}
)"),
                         "services.cache.port", "must be an integer"));
}

TEST(ClusterYamlTyping, BooleanSpellings) {
  for (const char* spelling : {"true", "True", "TRUE"}) {
    auto parsed = parse_cluster_yaml(std::string("name: S\nservices:\n  c: {type: redis, port: 0, "
                                                 "provision: ") +
                                     spelling + "}\n");
    ASSERT_TRUE(parsed) << spelling << ": " << parsed.error().message();
    EXPECT_TRUE(parsed->config.services[0].provision);
  }
  for (const char* spelling : {"false", "False", "FALSE"}) {
    auto parsed = parse_cluster_yaml(std::string("name: S\nservices:\n  c: {type: redis, host: h, "
                                                 "port: 1, provision: ") +
                                     spelling + "}\n");
    ASSERT_TRUE(parsed) << spelling << ": " << parsed.error().message();
    EXPECT_FALSE(parsed->config.services[0].provision);
  }
}

TEST(ClusterYamlTyping, QuotedAndTaggedStringsStayStrings) {
  auto parsed = parse_cluster_yaml(R"(
name: "123"
description: !!str true
services:
  cache: {type: redis, host: h, port: 0x18EB, password: "true", username: 'null',
          database: !!str 007}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.name, "123");
  EXPECT_EQ(parsed->config.description, "true");
  const ServiceConfig& cache = parsed->config.services[0];
  EXPECT_EQ(cache.port, 6379);
  EXPECT_EQ(cache.password, "true");
  EXPECT_EQ(cache.username, "null");
  EXPECT_EQ(cache.database, "007");
}

TEST(ClusterYamlTyping, BlockScalarsAreStrings) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
description: |
  line one
  line two
services:
  cache: {type: redis, host: h, port: 1}
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.description, "line one\nline two\n");
}

TEST(ClusterYamlTyping, AnchorsAndAliasesAreExpanded) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  a: &redis {type: redis, host: h, port: 1}
  b: *redis
)");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->config.services.size(), 2u);
  EXPECT_EQ(parsed->config.services[1].name, "b");
  EXPECT_EQ(parsed->config.services[1].host, "h");
}

// ---------------------------------------------------------------------------------------------
// Documents that are not YAML: Errc::invalid_json with a position.

TEST(ClusterYamlSyntax, ErrorNamesLineAndColumn) {
  auto parsed = parse_cluster_yaml("name: Shop\nservices:\n  cache: {type: redis, port: [1, 2\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message(),
            "invalid YAML at line 4, column 1: end of sequence flow not found");
}

TEST(ClusterYamlSyntax, BadIndentation) {
  auto parsed =
      parse_cluster_yaml("name: Shop\nservices:\n  cache:\n    type: redis\n   port: 1\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message().rfind("invalid YAML at line 5, column ", 0), 0u)
      << parsed.error().message();
}

TEST(ClusterYamlSyntax, DuplicateKeysAreErrors) {
  auto parsed = parse_cluster_yaml(R"(name: Shop
services:
  cache: {type: redis, host: a, port: 1}
  cache: {type: redis, host: b, port: 2}
)");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message(), "invalid YAML at line 4, column 3: duplicate key \"cache\"");

  parsed = parse_cluster_yaml("name: A\nname: B\nservices: {c: {type: redis, host: h, port: 1}}\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(), "invalid YAML at line 2, column 1: duplicate key \"name\"");
}

TEST(ClusterYamlSyntax, ComplexKeysAreErrors) {
  auto parsed = parse_cluster_yaml("? [a, b]\n: c\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message(),
            "invalid YAML at line 1, column 3: mapping keys must be scalars");
}

TEST(ClusterYamlSyntax, SeveralDocumentsAreRejected) {
  auto parsed = parse_cluster_yaml("name: A\n---\nname: B\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message(),
            "invalid YAML at line 3, column 1: expected a single document");
}

TEST(ClusterYamlSyntax, UnknownTagsAreRejected) {
  auto parsed = parse_cluster_yaml("name: !vault secret/shop\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_EQ(parsed.error().message(),
            "invalid YAML at line 1, column 7: unsupported tag \"!vault\"");
  parsed = parse_cluster_yaml("port: !!int abc\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(),
            "invalid YAML at line 1, column 7: \"abc\" is not a valid int");
}

TEST(ClusterYamlSyntax, AliasBombIsStopped) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    yaml += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  auto parsed = parse_cluster_yaml(yaml);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Errc::invalid_json);
  EXPECT_NE(parsed.error().message().find("document too large (more than 200000 nodes)"),
            std::string::npos)
      << parsed.error().message();
}

// ---------------------------------------------------------------------------------------------
// Real files.

TEST(ClusterExamples, ExampleConfigParsesWithoutWarnings) {
  const std::string path = std::string(THROOME_SOURCE_DIR) + "/configs/cluster.example.yaml";
  const std::string text = test_util::read_text_file(path);
  ASSERT_FALSE(text.empty()) << path;
  auto parsed = parse_cluster_yaml(text);
  ASSERT_TRUE(parsed) << parsed.error().message() << parsed.error().details().dump();
  EXPECT_TRUE(parsed->warnings.empty()) << test_util::describe(parsed->warnings);
  const ClusterConfig& c = parsed->config;
  EXPECT_EQ(c.cluster_id, "shop-01");
  ASSERT_EQ(c.services.size(), 4u);
  EXPECT_EQ(c.services[0].name, "cache");
  EXPECT_EQ(c.services[0].password, "${SHOP_REDIS_PASSWORD:-}");
  EXPECT_EQ(c.services[1].type, ServiceType::postgres);
  EXPECT_EQ(c.services[1].replicas.size(), 1u);
  EXPECT_EQ(c.services[2].type, ServiceType::kafka);
  EXPECT_TRUE(c.services[3].provision);
  EXPECT_EQ(c.created_at, "2025-01-01T00:00:00Z");
}

TEST(ClusterExamples, LegacyGoGatewayFileParses) {
  // A cluster file as written by the original Throome (unquoted timestamps, legacy keys).
  auto parsed = parse_cluster_yaml(R"(# Example Cluster Configuration
cluster_id: "example-01"
name: "Example Cluster"
description: "An example cluster with Redis, PostgreSQL, and Kafka"
services:
  primary_db:
    type: postgres
    host: localhost
    port: 5432
    username: postgres
    password: password
    database: myapp
    pool:
      min_connections: 2
      max_connections: 10
      max_idle_time: 300
      max_lifetime: 3600
    replicas:
      - host: localhost
        port: 5433
        role: replica
        weight: 1
  cache:
    type: redis
    provision: false
    host: localhost
    port: 6379
    password: ""
    container_id: ""
    options:
      db: 0
  message_queue:
    type: kafka
    host: localhost
    port: 9092
    options:
      group_id: "throome-gateway"
routing:
  strategy: "round_robin"
  failover_enabled: true
  timeout_ms: 5000
  retry_attempts: 3
  circuit_breaker:
    enabled: false
    failure_threshold: 5
    reset_timeout: 60
health:
  enabled: true
  interval: 10
  timeout: 5
  threshold: 3
ai:
  enabled: false
  model: "linear_regression"
  min_data_points: 100
  update_interval: 300
  features:
    - "latency"
    - "load"
    - "error_rate"
created_at: 2025-01-01T00:00:00Z
updated_at: 2025-11-20T10:15:30.123456789+01:00
)");
  ASSERT_TRUE(parsed) << parsed.error().message() << parsed.error().details().dump();
  EXPECT_EQ(parsed->warnings,
            (std::vector<ConfigIssue>{{"services.cache.container_id", "legacy key (ignored)"}}));
  EXPECT_EQ(parsed->config.services.size(), 3u);
  EXPECT_EQ(parsed->config.ai.model, "linear_regression");
  EXPECT_EQ(parsed->config.updated_at, "2025-11-20T10:15:30.123456789+01:00");
}

}  // namespace
}  // namespace throome::config

namespace throome::config {
namespace {

// yaml-cpp 0.7.0 loops forever (allocating without bound) on a ',' where a document's root
// node starts; found by fuzz_cluster_yaml (tests/fuzz/corpus/cluster_yaml/regression-*).
// Each must fail fast as invalid YAML.
TEST(ClusterYamlSyntax, CommaWhereARootNodeStartsIsAnErrorNotAHang) {
  for (const char* text : {",", ", y", "#\n, y", "{}, b", "{a: 1} , b", "'x', y", "\"x\"\n, y",
                           "[1]\n\n, 2", "{} {}, b", "&a ,", "---\n,", "name: a\n---\n[1], b",
                           "name: x # c\n, b", "nameu::m _s1 a\n\"]} # }\n, b\n"}) {
    auto parsed = parse_cluster_yaml(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code(), Errc::invalid_json) << text;
    EXPECT_NE(parsed.error().message().find("invalid YAML"), std::string::npos) << text;
  }
  // Commas that belong to scalars and flow collections are fine.
  auto ok = parse_cluster_yaml(
      "name: a, b\ndescription: 'x, y'\nservices: {c: {type: redis, host: h, port: 1}}\n"
      "statements:\n  s:\n    sql: |\n      SELECT 1\n      , 2\n");
  EXPECT_FALSE(ok) << "statements need a postgres service";
  EXPECT_EQ(ok.error().code(), Errc::validation_failed) << ok.error().message();
}

}  // namespace
}  // namespace throome::config
