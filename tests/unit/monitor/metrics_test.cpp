// monitor::Metrics and BackendMetrics: what is observed is exactly what the exposition shows.
#include "throome/monitor/metrics.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "support/prometheus_text.hpp"
#include "throome/monitor/backend_metrics.hpp"
#include "throome/version.hpp"

namespace throome::monitor {
namespace {

using throome::testing::parse_prometheus_text;
using throome::testing::sample;
using Labels = std::map<std::string, std::string>;

Labels op_labels(const std::string& op, const std::string& outcome) {
  return {{"cluster", "shop"},
          {"service", "cache"},
          {"type", "redis"},
          {"operation", op},
          {"outcome", outcome}};
}

Labels hist_labels(const std::string& op) {
  return {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}, {"operation", op}};
}

Labels bucket(const std::string& op, const std::string& le) {
  auto l = hist_labels(op);
  l["le"] = le;
  return l;
}

TEST(Metrics, BuildInfoIsOneWithVersionAndCommit) {
  Metrics m;
  const auto s = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(s, "throome_build_info", {{"version", kVersion}, {"commit", kGitCommit}}), 1.0);
}

TEST(Metrics, CountersMoveByExactlyWhatWasObserved) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  auto& get = b->operation("GET");
  for (int i = 0; i < 7; ++i) get.observe(Outcome::success, 0.001);
  get.observe(Outcome::error, 0.001);
  get.observe(Outcome::timeout, 5.0);
  b->operation("set").observe(Outcome::unavailable, 0.0001);

  const auto s = parse_prometheus_text(m.scrape());
  const std::string total = "throome_backend_requests_total";
  EXPECT_EQ(sample(s, total, op_labels("get", "success")), 7);
  EXPECT_EQ(sample(s, total, op_labels("get", "error")), 1);
  EXPECT_EQ(sample(s, total, op_labels("get", "timeout")), 1);
  EXPECT_EQ(sample(s, total, op_labels("get", "unavailable")), 0);
  EXPECT_EQ(sample(s, total, op_labels("set", "unavailable")), 1);
  EXPECT_EQ(sample(s, total, op_labels("set", "success")), 0);
  // Every outcome of a used operation is exposed from 0 on, so rate() works from the start.
  EXPECT_EQ(s.count(throome::testing::series_key(total, op_labels("get", "overloaded"))), 1u);

  const std::string h = "throome_backend_request_duration_seconds";
  EXPECT_EQ(sample(s, h + "_count", hist_labels("get")), 9);
  EXPECT_NEAR(sample(s, h + "_sum", hist_labels("get")), 5.008, 1e-9);
}

TEST(Metrics, LatencyBucketsSpan50MicrosecondsTo10Seconds) {
  const auto& b = latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.00005);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(Metrics, ObservationsLandInTheRightBuckets) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  auto& op = b->operation("get");
  op.observe(Outcome::success, 0.00005);   // on the first bound: le="5e-05"
  op.observe(Outcome::success, 0.000051);  // just above: le="0.0001"
  op.observe(Outcome::success, 10.0);      // on the last bound
  op.observe(Outcome::success, 11.0);      // only +Inf

  const auto s = parse_prometheus_text(m.scrape());
  const std::string h = "throome_backend_request_duration_seconds_bucket";
  EXPECT_EQ(sample(s, h, bucket("get", "5e-05")), 1);
  EXPECT_EQ(sample(s, h, bucket("get", "0.0001")), 2);
  EXPECT_EQ(sample(s, h, bucket("get", "5")), 2);
  EXPECT_EQ(sample(s, h, bucket("get", "10")), 3);
  EXPECT_EQ(sample(s, h, bucket("get", "+Inf")), 4);
}

TEST(Metrics, LabelSetsOfEveryBackendFamily) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  b->operation("get").observe(Outcome::success, 0.001);
  b->call_started();
  const auto s = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(s, "throome_backend_in_flight",
                   {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}}),
            1);
  b->call_finished();
  const auto after = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(after, "throome_backend_in_flight",
                   {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}}),
            0);
  // Every series carries exactly the documented labels.
  const std::map<std::string, std::set<std::string>> expected{
      {"throome_backend_requests_total", {"cluster", "operation", "outcome", "service", "type"}},
      {"throome_backend_request_duration_seconds_bucket",
       {"cluster", "le", "operation", "service", "type"}},
      {"throome_backend_request_duration_seconds_count",
       {"cluster", "operation", "service", "type"}},
      {"throome_backend_in_flight", {"cluster", "service", "type"}}};
  std::set<std::string> seen;
  for (const auto& [key, value] : after) {
    const std::string name = key.substr(0, key.find('{'));
    auto it = expected.find(name);
    if (it == expected.end()) continue;
    seen.insert(name);
    std::set<std::string> labels;
    const std::regex label(R"(([a-z_]+)=")");
    for (auto l = std::sregex_iterator(key.begin(), key.end(), label); l != std::sregex_iterator();
         ++l) {
      labels.insert((*l)[1].str());
    }
    EXPECT_EQ(labels, it->second) << key;
  }
  EXPECT_EQ(seen.size(), expected.size());
}

TEST(Metrics, OperationNamesAreLowerCasedAndBounded) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  EXPECT_EQ(&b->operation("GET"), &b->operation("get"));
  EXPECT_EQ(b->operation("HGETALL").name(), "hgetall");
  EXPECT_EQ(b->operation("").name(), "other");
  EXPECT_EQ(b->operation("bad name").name(), "other");
  EXPECT_EQ(b->operation("user:42\n").name(), "other");
  EXPECT_EQ(b->operation(std::string(33, 'a')).name(), "other");

  // Past the cap, new names share "other": the label set stays bounded.
  for (std::size_t i = 0; i < BackendMetrics::kMaxOperations + 10; ++i) {
    b->operation("op" + std::to_string(i)).observe(Outcome::success, 0.001);
  }
  const auto stats = b->stats();
  EXPECT_LE(stats.size(), BackendMetrics::kMaxOperations + 1);
  EXPECT_EQ(b->operation("op_never_seen_before").name(), "other");
}

TEST(Metrics, HandlesAreSharedAndSeriesGoWithTheLastOne) {
  Metrics m;
  auto a = m.backend("shop", "cache", "redis");
  auto b = m.backend("shop", "cache", "redis");
  EXPECT_EQ(a, b);
  EXPECT_EQ(m.find_backend("shop", "cache"), a);
  EXPECT_EQ(m.find_backend("shop", "nope"), nullptr);
  a->operation("get").observe(Outcome::success, 0.001);
  b.reset();
  EXPECT_NE(m.scrape().find("cluster=\"shop\""), std::string::npos);
  a.reset();
  // Cluster deleted: its series are gone from the exposition.
  EXPECT_EQ(m.scrape().find("cluster=\"shop\""), std::string::npos);
  EXPECT_EQ(m.find_backend("shop", "cache"), nullptr);

  // A new cluster with the same id starts from zero.
  auto again = m.backend("shop", "cache", "redis");
  again->operation("get").observe(Outcome::success, 0.001);
  const auto s = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op_labels("get", "success")), 1);
}

TEST(Metrics, BackendsOfAClusterAreListedByService) {
  Metrics m;
  auto c2 = m.backend("shop", "cache2", "redis");
  auto c1 = m.backend("shop", "cache", "redis");
  auto other = m.backend("other", "cache", "redis");
  auto list = m.backends_of("shop");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->service(), "cache");
  EXPECT_EQ(list[1]->service(), "cache2");
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        b->operation(t % 2 == 0 ? "GET" : "SET").observe(Outcome::success, 0.0002);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto s = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op_labels("get", "success")),
            kThreads / 2 * kEach);
  EXPECT_EQ(sample(s, "throome_backend_requests_total", op_labels("set", "success")),
            kThreads / 2 * kEach);
}

TEST(Metrics, LastLatencyAndErrorAreRemembered) {
  Metrics m;
  auto b = m.backend("shop", "cache", "redis");
  EXPECT_FALSE(b->last_latency());
  EXPECT_EQ(b->last_error(), "");
  const std::string err = "redis backend unavailable: connection refused";
  b->note_result(std::chrono::microseconds(1500), &err);
  b->note_result(std::chrono::microseconds(250), nullptr);
  EXPECT_EQ(b->last_latency(), std::chrono::microseconds(250));
  EXPECT_EQ(b->last_error(), err);
}

TEST(Metrics, OutcomeOfErrorCodes) {
  EXPECT_EQ(outcome_of(Errc::timeout), Outcome::timeout);
  EXPECT_EQ(outcome_of(Errc::backend_unavailable), Outcome::unavailable);
  EXPECT_EQ(outcome_of(Errc::overloaded), Outcome::overloaded);
  EXPECT_EQ(outcome_of(Errc::backend_error), Outcome::error);
  EXPECT_EQ(outcome_name(Outcome::unavailable), "unavailable");
}

}  // namespace
}  // namespace throome::monitor
