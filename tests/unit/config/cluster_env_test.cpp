// resolve_env: ${ENV} references in every string value of a cluster.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

using nlohmann::json;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ClusterConfig cluster_with_references() {
  auto parsed = parse_cluster_yaml(R"(
name: "${NOT_RESOLVED}"
services:
  cache:
    type: redis
    host: "${REDIS_HOST}"
    port: 6379
    password: "${SHOP_REDIS_PASSWORD}"
    options: {db: 0, client_name: "${APP:-shop}", list: ["${REDIS_HOST}", 1], literal: "$${X}"}
  db:
    type: postgres
    host: "${DB_HOST:-localhost}"
    port: 5432
    username: "${DB_USER}"
    password: "p-${DB_SUFFIX}"
    database: "${DB_NAME}"
    tls: {enabled: true, ca_file: "${CERTS}/ca.pem", cert_file: "${CERTS}/c.pem",
          key_file: "${CERTS}/k.pem"}
    replicas: [{host: "${REPLICA_HOST}", port: 5433}]
)");
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed->config;
}

const std::map<std::string, std::string> kAllVars = {{"REDIS_HOST", "redis.local"},
                                                     {"SHOP_REDIS_PASSWORD", "r-secret"},
                                                     {"DB_USER", "app"},
                                                     {"DB_SUFFIX", "42"},
                                                     {"DB_NAME", "shop"},
                                                     {"CERTS", "/etc/certs"},
                                                     {"REPLICA_HOST", "replica.local"}};

TEST(ResolveEnv, ResolvesEveryStringField) {
  const ClusterConfig original = cluster_with_references();
  auto resolved = resolve_env(original, fake_env(kAllVars));
  ASSERT_TRUE(resolved) << resolved.error().message();
  const ServiceConfig& cache = resolved->services[0];
  EXPECT_EQ(cache.host, "redis.local");
  EXPECT_EQ(cache.password, "r-secret");
  EXPECT_EQ(cache.options, json::parse(R"({"db": 0, "client_name": "shop",
                                           "list": ["redis.local", 1], "literal": "${X}"})"));
  const ServiceConfig& db = resolved->services[1];
  EXPECT_EQ(db.host, "localhost");
  EXPECT_EQ(db.username, "app");
  EXPECT_EQ(db.password, "p-42");
  EXPECT_EQ(db.database, "shop");
  EXPECT_EQ(db.tls.ca_file, "/etc/certs/ca.pem");
  EXPECT_EQ(db.tls.cert_file, "/etc/certs/c.pem");
  EXPECT_EQ(db.tls.key_file, "/etc/certs/k.pem");
  EXPECT_EQ(db.replicas[0].host, "replica.local");
  // Display fields are not interpolated; the input is left untouched.
  EXPECT_EQ(resolved->name, "${NOT_RESOLVED}");
  EXPECT_EQ(original.services[0].password, "${SHOP_REDIS_PASSWORD}");
}

TEST(ResolveEnv, NamesTheFieldAndTheVariable) {
  auto vars = kAllVars;
  vars.erase("SHOP_REDIS_PASSWORD");
  auto resolved = resolve_env(cluster_with_references(), fake_env(vars));
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code(), Errc::validation_failed);
  EXPECT_EQ(resolved.error().message(),
            "services.cache.password: environment variable SHOP_REDIS_PASSWORD is not set");
}

TEST(ResolveEnv, ReportsEveryUnsetVariable) {
  auto resolved = resolve_env(cluster_with_references(), fake_env({}));
  ASSERT_FALSE(resolved);
  const Error error = resolved.error();
  EXPECT_EQ(error.message(), "services.cache.host: environment variable REDIS_HOST is not set");
  const json expected = json::parse(R"([
    {"path": "services.cache.host", "message": "environment variable REDIS_HOST is not set"},
    {"path": "services.cache.password",
     "message": "environment variable SHOP_REDIS_PASSWORD is not set"},
    {"path": "services.cache.options.list[0]",
     "message": "environment variable REDIS_HOST is not set"},
    {"path": "services.db.username", "message": "environment variable DB_USER is not set"},
    {"path": "services.db.password", "message": "environment variable DB_SUFFIX is not set"},
    {"path": "services.db.database", "message": "environment variable DB_NAME is not set"},
    {"path": "services.db.tls.ca_file", "message": "environment variable CERTS is not set"},
    {"path": "services.db.tls.cert_file", "message": "environment variable CERTS is not set"},
    {"path": "services.db.tls.key_file", "message": "environment variable CERTS is not set"},
    {"path": "services.db.replicas[0].host",
     "message": "environment variable REPLICA_HOST is not set"}
  ])");
  EXPECT_EQ(error.details(), expected) << error.details().dump(2);
}

TEST(ResolveEnv, MalformedReferenceNamesTheField) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 1, password: "abc${oops"}
)");
  ASSERT_TRUE(parsed);
  auto resolved = resolve_env(parsed->config, fake_env({}));
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().message(), "services.cache.password: unterminated ${ reference");
}

TEST(ResolveEnv, HostMustNotResolveToEmpty) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: "${REDIS_HOST}", port: 1}
)");
  ASSERT_TRUE(parsed);
  auto resolved = resolve_env(parsed->config, fake_env({{"REDIS_HOST", ""}}));
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().message(),
            "services.cache.host: is empty after environment interpolation");
}

TEST(ResolveEnv, LiteralValuesPassThrough) {
  auto parsed = parse_cluster_yaml(R"(
name: Shop
services:
  cache: {type: redis, host: h, port: 1, password: "pa$$word", options: {n: 1.5, b: true}}
)");
  ASSERT_TRUE(parsed);
  auto resolved = resolve_env(parsed->config, fake_env({}));
  ASSERT_TRUE(resolved) << resolved.error().message();
  EXPECT_EQ(*resolved, parsed->config);
}

}  // namespace
}  // namespace throome::config
