// monitor::MonitoredRedisClient through MonitoredBackendFactory: every call is counted under
// its outcome, timed, and recorded in the activity log without values.
#include "monitor/monitored_redis_client.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_redis_client.hpp"
#include "support/async.hpp"
#include "support/prometheus_text.hpp"
#include "throome/monitor/metrics.hpp"
#include "throome/monitor/monitored_backend_factory.hpp"

namespace throome::monitor {
namespace {

using throome::testing::FakeRedisClient;
using throome::testing::parse_prometheus_text;
using throome::testing::sample;
using Labels = std::map<std::string, std::string>;

constexpr const char* kValue = "distinctive-value-77a1";

Labels op(const std::string& name, const std::string& outcome) {
  return {{"cluster", "shop"},
          {"service", "cache"},
          {"type", "redis"},
          {"operation", name},
          {"outcome", outcome}};
}

// Builds backends through the monitored factory around one fake client.
class FakeFactory final : public cluster::BackendFactory {
 public:
  explicit FakeFactory(std::shared_ptr<FakeRedisClient> client) : client_(std::move(client)) {}
  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override {
    auto b = std::make_shared<cluster::Backends>();
    for (const auto& s : resolved.services) b->redis.push_back({s.name, client_});
    return b;
  }

 private:
  std::shared_ptr<FakeRedisClient> client_;
};

class MonitoredRedisClientTest : public ::testing::Test {
 protected:
  MonitoredRedisClientTest() {
    config::ClusterConfig c;
    c.cluster_id = "shop";
    config::ServiceConfig s;
    s.name = "cache";
    s.type = config::ServiceType::redis;
    c.services.push_back(s);
    MonitoredBackendFactory factory(std::make_shared<FakeFactory>(fake), metrics, activity);
    backends = factory.create(c);
    client = backends->redis.at(0).client;
  }

  Result<redis::Reply> run(std::vector<std::string> argv) {
    return io.run(client->execute(std::move(argv)));
  }
  std::map<std::string, double> scrape() { return parse_prometheus_text(metrics->scrape()); }

  throome::testing::IoThreads io{1};
  std::shared_ptr<FakeRedisClient> fake = std::make_shared<FakeRedisClient>();
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::shared_ptr<ActivityLog> activity = std::make_shared<ActivityLog>(ActivityOptions{});
  std::shared_ptr<cluster::Backends> backends;
  redis::ClientPtr client;
};

TEST_F(MonitoredRedisClientTest, CountsEachCallUnderItsOutcomeAndPassesItThrough) {
  fake->push(redis::Reply::make_string(kValue));
  fake->push(redis::Reply::make_error("WRONGTYPE Operation against a key"));
  fake->push(Error(Errc::timeout, "redis command timed out"));
  fake->push(Error(Errc::backend_unavailable, "redis backend unavailable", "shop/cache: refused"));

  auto ok = run({"GET", "user:1"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->str, kValue);
  auto wrong = run({"GET", "user:1"});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->is_error());
  auto late = run({"SET", "user:1", kValue});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Errc::timeout);
  auto down = run({"get", "user:2"});
  ASSERT_FALSE(down);
  EXPECT_EQ(fake->sent().size(), 4u);
  EXPECT_EQ(fake->sent()[2], (std::vector<std::string>{"SET", "user:1", kValue}));

  const auto s = scrape();
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("get", "success")), 1);
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("get", "error")), 1);
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("get", "unavailable")), 1);
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("set", "timeout")), 1);
  EXPECT_EQ(
      sample(s, "throome_backend_request_duration_seconds_count",
             {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}, {"operation", "get"}}),
      3);
  EXPECT_EQ(sample(s, "throome_backend_in_flight",
                   {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}}),
            0);
  auto handle = metrics->find_backend("shop", "cache");
  ASSERT_TRUE(handle);
  EXPECT_TRUE(handle->last_latency());
  EXPECT_EQ(handle->last_error(), "redis backend unavailable: shop/cache: refused");
}

TEST_F(MonitoredRedisClientTest, RecordsActivityNewestFirstWithoutValues) {
  fake->push(redis::Reply::make_status("OK"));
  fake->push(redis::Reply::make_error("ERR value is not an integer"));
  ASSERT_TRUE(run({"SET", "user:1", kValue}));
  ASSERT_TRUE(run({"INCR", "user:1"}));

  const auto entries = activity->recent(10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].command, "INCR");
  EXPECT_FALSE(entries[0].success);
  EXPECT_EQ(entries[0].error, "ERR value is not an integer");
  EXPECT_EQ(entries[1].command, "SET");
  EXPECT_EQ(entries[1].operation, "set");
  EXPECT_EQ(entries[1].cluster_id, "shop");
  EXPECT_EQ(entries[1].service_name, "cache");
  EXPECT_EQ(entries[1].service_type, "redis");
  EXPECT_EQ(entries[1].keys, std::vector<std::string>{"user:1"});
  EXPECT_TRUE(entries[1].success);
  for (const auto& e : entries) {
    EXPECT_EQ(ActivityLog::to_json(e).dump().find(kValue), std::string::npos);
    EXPECT_FALSE(e.has_response);
  }
}

TEST_F(MonitoredRedisClientTest, StoresTruncatedResponsesOnlyWhenAsked) {
  activity = std::make_shared<ActivityLog>(
      ActivityOptions{.capacity = 10, .store_values = true, .value_max_bytes = 16});
  config::ClusterConfig c;
  c.cluster_id = "shop";
  config::ServiceConfig s;
  s.name = "cache";
  s.type = config::ServiceType::redis;
  c.services.push_back(s);
  MonitoredBackendFactory factory(std::make_shared<FakeFactory>(fake), metrics, activity);
  auto b = factory.create(c);
  fake->push(redis::Reply::make_string(std::string(100, 'v')));
  ASSERT_TRUE(io.run(b->redis.at(0).client->execute({"GET", "k"})));
  const auto entries = activity->recent(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].has_response);
  EXPECT_EQ(entries[0].response, std::string(16, 'v') + "\xE2\x80\xA6");
}

TEST_F(MonitoredRedisClientTest, TransactionsAreOneOperation) {
  std::vector<std::vector<std::string>> batch{{"MULTI"}, {"SET", "a", kValue}, {"EXEC"}};
  auto replies = io.run(client->execute_all(std::move(batch)));
  ASSERT_TRUE(replies);
  EXPECT_EQ(replies->size(), 3u);
  const auto s = scrape();
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("transaction", "success")), 1);
  const auto entries = activity->recent(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].command, "MULTI SET EXEC");
  EXPECT_EQ(entries[0].keys, std::vector<std::string>{"a"});
}

TEST_F(MonitoredRedisClientTest, HealthProbesAreCountedButNotActivity) {
  ASSERT_TRUE(run({"PING"}));
  ASSERT_TRUE(run({"ping"}));
  ASSERT_TRUE(run({"PING", "hello"}));  // not a bare probe: an application's call
  const auto s = scrape();
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op("ping", "success")), 3);
  const auto entries = activity->recent(10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].arg_count, 1u);
}

TEST_F(MonitoredRedisClientTest, ReadyStateIsTheWrappedClients) {
  fake->set_ready(0);
  EXPECT_EQ(client->ready_connections(), 0u);
  fake->set_ready(3);
  EXPECT_EQ(client->ready_connections(), 3u);
}

TEST_F(MonitoredRedisClientTest, SeriesLeaveWithTheCluster) {
  ASSERT_TRUE(run({"GET", "k"}));
  EXPECT_NE(metrics->scrape().find("cluster=\"shop\""), std::string::npos);
  client.reset();
  backends.reset();
  EXPECT_EQ(metrics->scrape().find("cluster=\"shop\""), std::string::npos);
}

}  // namespace
}  // namespace throome::monitor
