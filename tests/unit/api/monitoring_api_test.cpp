// The observability routes (MetricsApi, ClusterHealthApi, ActivityApi) through the dispatcher,
// over a cluster whose Redis backend is a fake wrapped by the monitored backend factory.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "fakes/fake_redis_client.hpp"
#include "support/prometheus_text.hpp"
#include "throome/api/activity_api.hpp"
#include "throome/api/cluster_health_api.hpp"
#include "throome/api/metrics_api.hpp"
#include "throome/http/dispatcher.hpp"
#include "throome/monitor/activity_log.hpp"
#include "throome/monitor/http_metrics.hpp"
#include "throome/monitor/metrics.hpp"
#include "throome/monitor/monitored_backend_factory.hpp"

namespace throome::api {
namespace {

using nlohmann::json;
using throome::testing::FakeRedisClient;

class FakeFactory final : public cluster::BackendFactory {
 public:
  explicit FakeFactory(std::shared_ptr<FakeRedisClient> client) : client_(std::move(client)) {}
  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override {
    auto b = std::make_shared<cluster::Backends>();
    for (const auto& s : resolved.services) {
      if (s.type == config::ServiceType::redis) b->redis.push_back({s.name, client_});
    }
    return b;
  }

 private:
  std::shared_ptr<FakeRedisClient> client_;
};

class MonitoringApiTest : public ::testing::Test {
 protected:
  MonitoringApiTest() {
    monitoring.metrics = std::make_shared<monitor::Metrics>();
    monitoring.activity = std::make_shared<monitor::ActivityLog>(
        monitor::ActivityOptions{.capacity = 5, .store_values = false, .value_max_bytes = 256});
    config::ClusterConfig c;
    c.cluster_id = "shop";
    for (auto [name, type] : {std::pair{"cache", config::ServiceType::redis},
                              std::pair{"db", config::ServiceType::postgres}}) {
      config::ServiceConfig s;
      s.name = name;
      s.type = type;
      c.services.push_back(s);
    }
    monitor::MonitoredBackendFactory factory(std::make_shared<FakeFactory>(fake),
                                             monitoring.metrics, monitoring.activity);
    registry.upsert(std::make_shared<const cluster::Cluster>(c, c, factory.create(c)));
    build();
  }

  void build() {
    http::RouteTable routes;
    metrics_api = std::make_unique<MetricsApi>(registry, monitoring);
    health_api = std::make_unique<ClusterHealthApi>(registry, monitoring.metrics);
    activity_api = std::make_unique<ActivityApi>(registry, monitoring.activity);
    metrics_api->register_routes(routes);
    health_api->register_routes(routes);
    activity_api->register_routes(routes);
    std::vector<std::shared_ptr<http::RequestObserver>> observers;
    if (monitoring.metrics) {
      observers.push_back(std::make_shared<monitor::HttpMetrics>(*monitoring.metrics));
    }
    dispatcher = std::make_unique<http::Dispatcher>(std::move(routes), http::CorsPolicy{},
                                                    std::move(observers));
  }

  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    boost::asio::io_context ioc;
    auto fut = boost::asio::co_spawn(ioc, std::move(aw), boost::asio::use_future);
    ioc.run();
    return fut.get();
  }

  http::Response get(const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    return run(dispatcher->dispatch(std::move(r)));
  }

  json get_json(const std::string& target, int status = 200) {
    auto r = get(target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  void redis(std::vector<std::string> argv) {
    auto client = registry.find("shop")->backends().redis.at(0).client;
    ASSERT_TRUE(run(client->execute(std::move(argv))));
  }

  cluster::Registry registry;
  std::shared_ptr<FakeRedisClient> fake = std::make_shared<FakeRedisClient>();
  Monitoring monitoring;
  std::unique_ptr<MetricsApi> metrics_api;
  std::unique_ptr<ClusterHealthApi> health_api;
  std::unique_ptr<ActivityApi> activity_api;
  std::unique_ptr<http::Dispatcher> dispatcher;
};

TEST_F(MonitoringApiTest, PrometheusExpositionCountsTheRequestsServed) {
  get_json("/api/v1/clusters/nope/metrics", 404);
  get_json("/api/v1/clusters/shop/health");
  auto r = get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto s = throome::testing::parse_prometheus_text(r.body);
  using throome::testing::sample;
  EXPECT_EQ(
      sample(s, "throome_http_requests_total",
             {{"method", "GET"}, {"route", "/api/v1/clusters/{id}/metrics"}, {"code", "404"}}),
      1);
  EXPECT_EQ(sample(s, "throome_http_requests_total",
                   {{"method", "GET"}, {"route", "/api/v1/clusters/{id}/health"}, {"code", "200"}}),
            1);
  EXPECT_NE(r.body.find("throome_build_info{"), std::string::npos);
}

TEST_F(MonitoringApiTest, ClusterMetricsJson) {
  redis({"SET", "a", "1"});
  redis({"GET", "a"});
  redis({"GET", "b"});
  auto j = get_json("/api/v1/clusters/shop/metrics");
  EXPECT_EQ(j["cluster_id"], "shop");
  EXPECT_EQ(j["requests"], 3);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["active_services"], 1);
  EXPECT_TRUE(j["avg_response_ms"].is_number());
  EXPECT_TRUE(j["p95_response_ms"].is_number());
  EXPECT_EQ(j["operations"]["get"]["requests"], 2);
  EXPECT_EQ(j["services"]["cache"]["operations"]["set"]["requests"], 1);
  EXPECT_EQ(j["services"]["db"]["requests"], 0);
  get_json("/api/v1/clusters/nope/metrics", 404);
}

TEST_F(MonitoringApiTest, ClusterHealthIsTheBackendsReadyState) {
  auto j = get_json("/api/v1/clusters/shop/health");
  EXPECT_EQ(j["cluster_id"], "shop");
  EXPECT_EQ(j["services"]["cache"]["healthy"], true);
  EXPECT_TRUE(j["services"]["cache"]["response_time"].is_null());  // no call made yet
  EXPECT_TRUE(j["services"]["cache"]["error_message"].is_null());
  EXPECT_TRUE(j["services"]["db"]["healthy"].is_null());
  EXPECT_TRUE(j["services"]["db"]["error_message"].is_string());

  fake->push(Error(Errc::backend_unavailable, "redis backend unavailable", "shop/cache: refused"));
  auto client = registry.find("shop")->backends().redis.at(0).client;
  EXPECT_FALSE(run(client->execute({"GET", "a"})));
  fake->set_ready(0);
  j = get_json("/api/v1/clusters/shop/health");
  EXPECT_EQ(j["services"]["cache"]["healthy"], false);
  EXPECT_TRUE(j["services"]["cache"]["response_time"].is_number());
  EXPECT_NE(j["services"]["cache"]["error_message"].get<std::string>().find("refused"),
            std::string::npos);
  EXPECT_EQ(j["status"], "unhealthy");
  get_json("/api/v1/clusters/nope/health", 404);
}

TEST_F(MonitoringApiTest, ActivityNewestFirstFilteredAndLimited) {
  redis({"SET", "k1", "v"});
  redis({"GET", "k2"});
  redis({"DEL", "k3"});
  auto all = get_json("/api/v1/activity");
  ASSERT_EQ(all["activities"].size(), 3u);
  EXPECT_EQ(all["activities"][0]["command"], "DEL");
  EXPECT_EQ(all["activities"][2]["command"], "SET");
  EXPECT_EQ(all["count"], 3);

  auto two = get_json("/api/v1/clusters/shop/activity?limit=2");
  ASSERT_EQ(two["activities"].size(), 2u);
  EXPECT_EQ(two["activities"][0]["parameters"]["keys"][0], "k3");
  EXPECT_EQ(two["activities"][1]["parameters"]["keys"][0], "k2");

  auto svc = get_json("/api/v1/clusters/shop/services/cache/activity?limit=100");
  EXPECT_EQ(svc["activities"].size(), 3u);
  EXPECT_EQ(svc["limit"], 5);  // clamped to the ring size
  EXPECT_TRUE(get_json("/api/v1/clusters/shop/services/db/activity")["activities"].empty());

  for (const char* bad : {"abc", "0", "-1", "2x", ""}) {
    auto e = get_json(std::string("/api/v1/activity?limit=") + bad, 400);
    EXPECT_EQ(e["code"], "bad_request") << bad;
  }
  get_json("/api/v1/clusters/nope/activity", 404);
  get_json("/api/v1/clusters/shop/services/nope/activity", 404);
}

TEST_F(MonitoringApiTest, DisabledMonitoringServesNoMetricsAndNoActivity) {
  monitoring = Monitoring{};
  monitoring.metrics_path.clear();
  build();
  EXPECT_EQ(get("/metrics").status, 404);
  EXPECT_EQ(get_json("/api/v1/clusters/shop/metrics", 404)["error"], "metrics are disabled");
  EXPECT_EQ(get_json("/api/v1/activity", 404)["error"], "the activity log is disabled");
  // Health still answers from the backends' ready state.
  EXPECT_EQ(get_json("/api/v1/clusters/shop/health")["services"]["cache"]["healthy"], true);
}

TEST_F(MonitoringApiTest, MetricsPathIsConfigurable) {
  monitoring.metrics_path = "/internal/prom";
  build();
  EXPECT_EQ(get("/internal/prom").status, 200);
  EXPECT_EQ(get("/metrics").status, 404);
}

}  // namespace
}  // namespace throome::api
