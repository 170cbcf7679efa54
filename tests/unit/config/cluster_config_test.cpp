#include "throome/config/cluster_config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace throome::config {
namespace {

TEST(ServiceType, NamesRoundTrip) {
  for (ServiceType t : {ServiceType::redis, ServiceType::postgres, ServiceType::kafka}) {
    EXPECT_EQ(parse_service_type(to_string(t)), t);
  }
  EXPECT_EQ(to_string(ServiceType::postgres), "postgres");
}

TEST(ServiceType, AcceptsPostgresqlAlias) {
  EXPECT_EQ(parse_service_type("postgresql"), ServiceType::postgres);
}

TEST(ServiceType, RejectsOthers) {
  for (const char* s : {"", "mongodb", "Redis", "REDIS", "postgres ", "mysql"}) {
    EXPECT_EQ(parse_service_type(s), std::nullopt) << s;
  }
}

TEST(ClusterId, Validity) {
  for (const char* ok : {"a", "0", "shop-01", "shop_01", "a-_-9"}) {
    EXPECT_TRUE(is_valid_cluster_id(ok)) << ok;
  }
  EXPECT_TRUE(is_valid_cluster_id(std::string(63, 'a')));
  for (const char* bad : {"", "-a", "_a", "Shop", "a.b", "../x", "a/b", "a b", "é"}) {
    EXPECT_FALSE(is_valid_cluster_id(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_cluster_id(std::string(64, 'a')));
}

TEST(ServiceName, Validity) {
  for (const char* ok : {"a", "Cache", "db.primary", "q-1", "x_y", "9"}) {
    EXPECT_TRUE(is_valid_service_name(ok)) << ok;
  }
  EXPECT_TRUE(is_valid_service_name(std::string(63, 'S')));
  for (const char* bad : {"", ".", "..", "-a", "_a", "a/b", "a b", "a?b", "a%2F"}) {
    EXPECT_FALSE(is_valid_service_name(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_service_name(std::string(64, 'S')));
}

TEST(ClusterConfig, FindService) {
  ClusterConfig c;
  c.services.resize(2);
  c.services[0].name = "cache";
  c.services[1].name = "db";
  ASSERT_NE(c.find_service("db"), nullptr);
  EXPECT_EQ(c.find_service("db"), &c.services[1]);
  EXPECT_EQ(c.find_service("DB"), nullptr);
  EXPECT_EQ(c.find_service(""), nullptr);
}

}  // namespace
}  // namespace throome::config
