// monitor::GatewayCollector: gateway state computed at scrape time.
#include "throome/monitor/gateway_collector.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "fakes/fake_redis_client.hpp"

namespace throome::monitor {
namespace {

cluster::ClusterPtr make_cluster(const std::string& id,
                                 std::vector<std::pair<std::string, redis::ClientPtr>> redis) {
  config::ClusterConfig c;
  c.cluster_id = id;
  auto b = std::make_shared<cluster::Backends>();
  for (auto& [name, client] : redis) b->redis.push_back({name, client});
  return std::make_shared<const cluster::Cluster>(c, c, b);
}

const prometheus::MetricFamily* find(const std::vector<prometheus::MetricFamily>& v,
                                     const std::string& name) {
  for (const auto& f : v) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(GatewayCollector, ClustersBackendUpAndConnectionsAreReadAtScrapeTime) {
  cluster::Registry registry;
  auto up = std::make_shared<throome::testing::FakeRedisClient>();
  auto down = std::make_shared<throome::testing::FakeRedisClient>();
  down->set_ready(0);
  registry.upsert(make_cluster("shop", {{"cache", up}, {"sessions", down}}));
  std::atomic<std::size_t> connections{7};
  GatewayCollector collector(registry, [&] { return connections.load(); });

  auto families = collector.Collect();
  ASSERT_TRUE(find(families, "throome_clusters"));
  EXPECT_EQ(find(families, "throome_clusters")->metric.at(0).gauge.value, 1);
  EXPECT_EQ(find(families, "throome_http_connections")->metric.at(0).gauge.value, 7);
  const auto* backend_up = find(families, "throome_backend_up");
  ASSERT_TRUE(backend_up);
  ASSERT_EQ(backend_up->metric.size(), 2u);
  std::map<std::string, double> by_service;
  for (const auto& m : backend_up->metric) {
    std::map<std::string, std::string> labels;
    for (const auto& l : m.label) labels[l.name] = l.value;
    EXPECT_EQ(labels["cluster"], "shop");
    EXPECT_EQ(labels["type"], "redis");
    by_service[labels["service"]] = m.gauge.value;
  }
  EXPECT_EQ(by_service["cache"], 1);
  EXPECT_EQ(by_service["sessions"], 0);

  // State changes show at the next scrape; a deleted cluster's series disappear.
  down->set_ready(2);
  connections = 3;
  registry.upsert(make_cluster("blog", {}));
  families = collector.Collect();
  EXPECT_EQ(find(families, "throome_clusters")->metric.at(0).gauge.value, 2);
  EXPECT_EQ(find(families, "throome_http_connections")->metric.at(0).gauge.value, 3);
  for (const auto& m : find(families, "throome_backend_up")->metric) EXPECT_EQ(m.gauge.value, 1);
  registry.erase("shop");
  EXPECT_EQ(find(collector.Collect(), "throome_backend_up"), nullptr);
}

}  // namespace
}  // namespace throome::monitor
