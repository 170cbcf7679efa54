#include "throome/client/service_spec.hpp"

#include <gtest/gtest.h>

namespace throome::client {
namespace {

std::string error_of(std::string_view spec) {
  auto s = parse_service_spec(spec);
  EXPECT_FALSE(s) << spec;
  if (s) return {};
  EXPECT_EQ(s.error().kind(), ClientError::Kind::usage);
  return s.error().message();
}

TEST(ServiceSpecTest, ParsesNameTypeHostPort) {
  auto s = parse_service_spec("cache:redis:127.0.0.1:6379");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (ServiceSpec{"cache", "redis", "127.0.0.1", 6379}));
  EXPECT_EQ(s->to_json(),
            (nlohmann::json{{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 6379}}));
}

TEST(ServiceSpecTest, NormalizesTypes) {
  EXPECT_EQ(parse_service_spec("db:postgresql:db.local:5432")->type, "postgres");
  EXPECT_EQ(parse_service_spec("db:Postgres:db.local:5432")->type, "postgres");
  EXPECT_EQ(parse_service_spec("events:KAFKA:k:9092")->type, "kafka");
}

TEST(ServiceSpecTest, AcceptsBracketedIpv6Hosts) {
  auto s = parse_service_spec("db:postgres:[::1]:5432");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 5432);
}

TEST(ServiceSpecTest, RejectsMalformedSpecs) {
  const std::string expected = "expected name:type:host:port (e.g. cache:redis:127.0.0.1:6379)";
  EXPECT_EQ(error_of("bad"), "invalid service \"bad\": " + expected);
  EXPECT_EQ(error_of("cache:redis"), "invalid service \"cache:redis\": " + expected);
  EXPECT_EQ(error_of("cache:redis:host"), "invalid service \"cache:redis:host\": " + expected);
  EXPECT_EQ(error_of(":redis:h:1"),
            "invalid service \":redis:h:1\": the service name is empty; " + expected);
  EXPECT_EQ(error_of("cache:redis::1"),
            "invalid service \"cache:redis::1\": the host is empty; " + expected);
  EXPECT_EQ(error_of("-x:redis:h:1"),
            "invalid service \"-x:redis:h:1\": the service name must match "
            "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  EXPECT_EQ(error_of("cache:memcached:h:1"),
            "invalid service \"cache:memcached:h:1\": unknown type \"memcached\" (expected "
            "redis, postgres or kafka)");
  EXPECT_EQ(error_of("cache:redis:h:0"),
            "invalid service \"cache:redis:h:0\": the port must be a number between 1 and 65535");
  EXPECT_EQ(error_of("cache:redis:h:70000"),
            "invalid service \"cache:redis:h:70000\": the port must be a number between 1 and "
            "65535");
  EXPECT_EQ(error_of("cache:redis:h:63x"),
            "invalid service \"cache:redis:h:63x\": the port must be a number between 1 and "
            "65535");
  EXPECT_EQ(error_of("cache:redis:h:"),
            "invalid service \"cache:redis:h:\": the port must be a number between 1 and 65535");
  EXPECT_EQ(error_of("db:postgres:::1:5432"),
            "invalid service \"db:postgres:::1:5432\": an IPv6 host must be in brackets, e.g. "
            "db:postgres:[::1]:5432");
  EXPECT_EQ(error_of("db:postgres:[::1:5432"),
            "invalid service \"db:postgres:[::1:5432\": malformed IPv6 host");
  EXPECT_EQ(error_of("db:postgres:a b:5432"),
            "invalid service \"db:postgres:a b:5432\": the host contains an invalid character");
  EXPECT_NE(error_of(std::string(64, 'a') + ":redis:h:1").find("must match"), std::string::npos);
}

TEST(ServiceSpecTest, BuildsTheCreateBody) {
  std::vector<ServiceSpec> specs = {{"cache", "redis", "127.0.0.1", 6379},
                                    {"db", "postgres", "db", 5432}};
  auto body = make_create_body("Shop", std::string("shop-01"), specs);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, nlohmann::json::parse(R"({
    "name": "Shop", "cluster_id": "shop-01",
    "services": {"cache": {"type": "redis", "host": "127.0.0.1", "port": 6379},
                 "db": {"type": "postgres", "host": "db", "port": 5432}}})"));

  auto no_id = make_create_body("Shop", std::nullopt, specs);
  ASSERT_TRUE(no_id);
  EXPECT_FALSE(no_id->contains("cluster_id"));
}

TEST(ServiceSpecTest, RejectsBadCreateBodies) {
  std::vector<ServiceSpec> twice = {{"cache", "redis", "a", 1}, {"cache", "redis", "b", 2}};
  auto dup = make_create_body("Shop", std::nullopt, twice);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind(), ClientError::Kind::usage);
  EXPECT_EQ(dup.error().message(), "service \"cache\" is given more than once");
  EXPECT_EQ(make_create_body("Shop", std::nullopt, {}).error().message(),
            "a cluster needs at least one --service");
  EXPECT_EQ(make_create_body("", std::nullopt, twice).error().message(),
            "the cluster name is empty");
  EXPECT_EQ(make_create_body("Shop", std::string(), {{"a", "redis", "h", 1}}).error().message(),
            "the cluster id is empty");
}

}  // namespace
}  // namespace throome::client
