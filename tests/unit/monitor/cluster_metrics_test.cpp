// monitor::cluster_metrics_json and histogram_quantile.
#include "throome/monitor/cluster_metrics.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_redis_client.hpp"
#include "throome/monitor/backend_metrics.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::monitor {
namespace {

TEST(HistogramQuantile, InterpolatesInsideTheBucket) {
  const std::vector<double> bounds{1, 2, 4};
  // 10 in (0,1], 10 in (1,2], 0 in (2,4], 0 above.
  EXPECT_DOUBLE_EQ(*histogram_quantile(0.5, bounds, {10, 20, 20, 20}), 1.0);
  EXPECT_DOUBLE_EQ(*histogram_quantile(0.25, bounds, {10, 20, 20, 20}), 0.5);
  EXPECT_DOUBLE_EQ(*histogram_quantile(0.95, bounds, {10, 20, 20, 20}), 1.9);
  // In the +Inf bucket: the largest finite bound.
  EXPECT_DOUBLE_EQ(*histogram_quantile(0.95, bounds, {0, 0, 1, 10}), 4.0);
  EXPECT_FALSE(histogram_quantile(0.95, bounds, {0, 0, 0, 0}));
  EXPECT_FALSE(histogram_quantile(0.95, bounds, {1, 2}));
}

TEST(ClusterMetricsJson, SumsServicesAndOperations) {
  Metrics m;
  config::ClusterConfig c;
  c.cluster_id = "shop";
  for (const char* name : {"cache", "sessions"}) {
    config::ServiceConfig s;
    s.name = name;
    s.type = config::ServiceType::redis;
    c.services.push_back(s);
  }
  config::ServiceConfig db;
  db.name = "db";
  db.type = config::ServiceType::postgres;
  c.services.push_back(db);
  auto up = std::make_shared<throome::testing::FakeRedisClient>();
  auto down = std::make_shared<throome::testing::FakeRedisClient>();
  down->set_ready(0);
  auto backends = std::make_shared<cluster::Backends>();
  backends->redis.push_back({"cache", up});
  backends->redis.push_back({"sessions", down});
  cluster::Cluster cluster(c, c, backends);

  auto cache = m.backend("shop", "cache", "redis");
  auto sessions = m.backend("shop", "sessions", "redis");
  for (int i = 0; i < 19; ++i) cache->operation("get").observe(Outcome::success, 0.0008);
  cache->operation("get").observe(Outcome::timeout, 5.0);
  cache->operation("set").observe(Outcome::success, 0.0008);
  sessions->operation("get").observe(Outcome::unavailable, 0.0001);

  const auto j = cluster_metrics_json(cluster, m);
  EXPECT_EQ(j["cluster_id"], "shop");
  EXPECT_EQ(j["requests"], 22);
  EXPECT_EQ(j["errors"], 2);
  EXPECT_EQ(j["active_services"], 1);
  EXPECT_NEAR(j["avg_response_ms"].get<double>(), (20 * 0.8 + 5000 + 0.1) / 22, 0.01);
  // 21 of 22 calls took under 1 ms: p95 is in the 0.5..1 ms bucket.
  EXPECT_GT(j["p95_response_ms"].get<double>(), 0.5);
  EXPECT_LE(j["p95_response_ms"].get<double>(), 1.0);
  EXPECT_EQ(j["operations"]["get"], (nlohmann::json{{"requests", 21}, {"errors", 2}}));
  EXPECT_EQ(j["operations"]["set"], (nlohmann::json{{"requests", 1}, {"errors", 0}}));
  const auto& svc = j["services"];
  EXPECT_EQ(svc["cache"]["requests"], 21);
  EXPECT_EQ(svc["cache"]["errors"], 1);
  EXPECT_EQ(svc["cache"]["healthy"], true);
  EXPECT_EQ(svc["cache"]["operations"]["get"]["requests"], 20);
  EXPECT_EQ(svc["sessions"]["healthy"], false);
  EXPECT_EQ(svc["sessions"]["errors"], 1);
  EXPECT_EQ(svc["db"]["type"], "postgres");
  EXPECT_TRUE(svc["db"]["healthy"].is_null());
  EXPECT_EQ(svc["db"]["requests"], 0);
}

TEST(ClusterMetricsJson, NoTrafficIsZeros) {
  Metrics m;
  config::ClusterConfig c;
  c.cluster_id = "empty";
  cluster::Cluster cluster(c, c);
  const auto j = cluster_metrics_json(cluster, m);
  EXPECT_EQ(j["requests"], 0);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["avg_response_ms"], 0.0);
  EXPECT_EQ(j["p95_response_ms"], 0.0);
  EXPECT_EQ(j["active_services"], 0);
  EXPECT_TRUE(j["services"].empty());
}

}  // namespace
}  // namespace throome::monitor
