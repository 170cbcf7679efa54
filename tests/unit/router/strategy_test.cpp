#include "throome/router/strategy.hpp"

#include <gtest/gtest.h>

#include <map>

#include "throome/router/backend_state.hpp"

namespace throome::router {
namespace {

config::RoutingConfig routing(const std::string& strategy) {
  config::RoutingConfig r;
  r.strategy = strategy;
  return r;
}

std::vector<std::string> names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("backend-" + std::to_string(i));
  return out;
}

TEST(RoundRobin, CyclesAndSkipsUnusable) {
  auto s = make_strategy(routing("round_robin"), {}, names(3), {1, 1, 1});
  std::vector<Candidate> c(3);
  std::vector<std::size_t> counts(3);
  for (int i = 0; i < 30'000; ++i) ++counts[*s->pick(c, "")];
  EXPECT_EQ(counts, (std::vector<std::size_t>{10'000, 10'000, 10'000}));
  c[1].usable = false;
  for (int i = 0; i < 100; ++i) EXPECT_NE(*s->pick(c, ""), 1u);
  for (auto& x : c) x.usable = false;
  EXPECT_FALSE(s->pick(c, ""));
}

TEST(Weighted, DistributionMatchesWeightsWithinOnePercent) {
  const std::vector<int> weights{5, 3, 2};
  auto s = make_strategy(routing("weighted"), {}, names(3), weights);
  std::vector<Candidate> c(3);
  for (std::size_t i = 0; i < 3; ++i) c[i].weight = weights[i];
  std::vector<double> counts(3);
  constexpr int kPicks = 100'000;
  for (int i = 0; i < kPicks; ++i) ++counts[*s->pick(c, "")];
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(counts[i] / kPicks, weights[i] / 10.0, 0.01) << "backend " << i;
  }
}

TEST(Weighted, FiveOneOneIsSmoothNotBursty) {
  auto s = make_strategy(routing("weighted"), {}, {"a", "b", "c"}, {5, 1, 1});
  std::vector<Candidate> c(3);
  c[0].weight = 5;
  std::string seq;
  for (int i = 0; i < 14; ++i) seq.push_back(static_cast<char>('a' + *s->pick(c, "")));
  EXPECT_EQ(seq, "aabacaaaabacaa");
}

TEST(LeastConnections, PrefersFewestInFlightAndBreaksTiesRandomly) {
  auto s = make_strategy(routing("least_connections"), {}, names(3), {1, 1, 1}, 42);
  std::vector<Candidate> c(3);
  c[0].in_flight = 3;
  c[1].in_flight = 1;
  c[2].in_flight = 2;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(*s->pick(c, ""), 1u);
  c[2].in_flight = 1;  // a tie between 1 and 2
  std::map<std::size_t, int> counts;
  for (int i = 0; i < 10'000; ++i) ++counts[*s->pick(c, "")];
  EXPECT_EQ(counts.count(0), 0u);
  EXPECT_NEAR(counts[1] / 10'000.0, 0.5, 0.03);
  EXPECT_NEAR(counts[2] / 10'000.0, 0.5, 0.03);
}

TEST(LeastConnections, PowerOfTwoChoicesOverLargeSetsNeverPicksTheBusiest) {
  auto s = make_strategy(routing("least_connections"), {}, names(16), std::vector<int>(16, 1), 7);
  std::vector<Candidate> c(16);
  for (std::size_t i = 0; i < 16; ++i) c[i].in_flight = static_cast<std::uint32_t>(i * 10);
  std::vector<int> counts(16);
  for (int i = 0; i < 20'000; ++i) ++counts[*s->pick(c, "")];
  EXPECT_EQ(counts[15], 0) << "the busiest loses every comparison";
  EXPECT_GT(counts[0], counts[7]);
  EXPECT_GT(counts[7], counts[14]);
}

TEST(ConsistentHash, SameKeySameBackendAndMinimalRemapping) {
  constexpr std::size_t kBackends = 10;
  constexpr int kKeys = 100'000;
  auto s = make_strategy(routing("consistent_hash"), {}, names(kBackends),
                         std::vector<int>(kBackends, 1));
  std::vector<Candidate> c(kBackends);
  std::vector<std::size_t> before(kKeys);
  std::vector<int> load(kBackends);
  for (int k = 0; k < kKeys; ++k) {
    before[k] = *s->pick(c, "key:" + std::to_string(k));
    ++load[before[k]];
    ASSERT_EQ(*s->pick(c, "key:" + std::to_string(k)), before[k]);
  }
  for (int l : load) EXPECT_NEAR(l / static_cast<double>(kKeys), 0.1, 0.03);

  // One backend leaves: only its keys move, about 1/N of all.
  c[3].usable = false;
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    const auto now = *s->pick(c, "key:" + std::to_string(k));
    if (now != before[k]) {
      ++moved;
      EXPECT_EQ(before[k], 3u) << "a key of a healthy backend moved";
    }
  }
  EXPECT_LE(moved / static_cast<double>(kKeys), 0.1 + 0.02);
  EXPECT_GT(moved, 0);

  // Removing it from membership (a new ring) agrees with skipping it.
  auto names9 = names(kBackends);
  names9.erase(names9.begin() + 3);
  auto s9 = make_strategy(routing("consistent_hash"), {}, names9, std::vector<int>(9, 1));
  std::vector<Candidate> c9(9);
  for (int k = 0; k < 1000; ++k) {
    const auto a = *s->pick(c, "key:" + std::to_string(k));
    const auto b = *s9->pick(c9, "key:" + std::to_string(k));
    EXPECT_EQ(a, b < 3 ? b : b + 1);
  }
}

// A simulated fleet: the ai strategy observes real latencies through BackendState.
TEST(Ai, SendsTrafficAwayFromASlowBackendAndBackWhenItRecovers) {
  config::AiConfig ai;
  ai.min_data_points = 100;
  auto s = make_strategy(routing("ai"), ai, names(3), {1, 1, 1}, 1234);
  std::vector<std::unique_ptr<BackendState>> states;
  for (int i = 0; i < 3; ++i) {
    states.push_back(std::make_unique<BackendState>(
        "b" + std::to_string(i), 1, CircuitBreaker::Options{}, HealthTracker::Options{}));
  }
  std::vector<double> latency_ms{1.0, 1.0, 10.0};  // backend 2 is 10x slower
  auto step = [&] {
    std::vector<Candidate> c(3);
    for (std::size_t i = 0; i < 3; ++i) {
      auto m = states[i]->model();
      c[i] = {1, states[i]->in_flight(), m.latency_s, m.error_rate, m.observations, true};
    }
    const std::size_t i = *s->pick(c, "");
    states[i]->begin();
    states[i]->end(true, std::chrono::microseconds(static_cast<long>(latency_ms[i] * 1000)));
    return i;
  };
  for (int i = 0; i < 500; ++i) step();  // warm-up (round-robin until 100 points)
  int to_slow = 0;
  for (int i = 0; i < 10'000; ++i) to_slow += step() == 2 ? 1 : 0;
  // Only the periodic re-measurement (1 pick in 200) reaches it: the tail stays fast.
  EXPECT_LE(to_slow / 10'000.0, 0.01) << "at least 99% to the fast backends";
  EXPECT_GE(to_slow, 10'000 / 200 - 1) << "the slow backend is still measured";

  latency_ms[2] = 0.5;  // it recovers and is now the fastest
  int requests = 0;
  int recent_to_2 = 0;
  while (requests < 5'000) {
    ++requests;
    if (step() == 2) ++recent_to_2;
    if (states[2]->model().latency_s < states[0]->model().latency_s) break;
  }
  EXPECT_LT(requests, 5'000) << "the recovered backend was never re-measured";
  int share = 0;
  for (int i = 0; i < 1'000; ++i) share += step() == 2 ? 1 : 0;
  EXPECT_GT(share, 800) << "traffic moved back to the now-fastest backend";
}

TEST(Ai, BehavesAsRoundRobinUntilEnoughDataPoints) {
  config::AiConfig ai;
  ai.min_data_points = 1'000;
  auto s = make_strategy(routing("ai"), ai, names(3), {1, 1, 1}, 5);
  std::vector<Candidate> c(3);
  c[0].latency_s = 10;  // would be avoided by the model
  c[0].observations = c[1].observations = c[2].observations = 10;
  std::vector<int> counts(3);
  for (int i = 0; i < 300; ++i) ++counts[*s->pick(c, "")];
  EXPECT_EQ(counts, (std::vector<int>{100, 100, 100}));
}

TEST(Hash64, IsStableAndSpreads) {
  EXPECT_EQ(hash64("abc"), hash64("abc"));
  EXPECT_NE(hash64("abc"), hash64("abd"));
}

}  // namespace
}  // namespace throome::router
