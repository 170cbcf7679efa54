#include "throome/router/upstream.hpp"

#include <gtest/gtest.h>

#include "support/async.hpp"

namespace throome::router {
namespace {

using namespace std::chrono_literals;

// A scripted backend: fails while `down` is set, counts its calls.
struct ScriptedBackend {
  bool down = false;
  Errc failure = Errc::backend_unavailable;
  int calls = 0;
};
using BackendPtr = std::shared_ptr<ScriptedBackend>;

boost::asio::awaitable<Result<std::string>> hit(BackendPtr b, std::string name) {
  ++b->calls;
  if (b->down) co_return Error(b->failure, name + " failed");
  co_return name;
}

class UpstreamTest : public ::testing::Test {
 protected:
  Upstream<BackendPtr> make(std::size_t n, const std::string& strategy, bool failover = true,
                            int retries = 3) {
    std::vector<Upstream<BackendPtr>::Member> members;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
      backends.push_back(std::make_shared<ScriptedBackend>());
      names.push_back("r" + std::to_string(i));
      members.push_back(
          {names.back(), backends.back(),
           std::make_shared<BackendState>(
               names.back(), 1, CircuitBreaker::Options{true, 2, std::chrono::milliseconds(60'000)},
               HealthTracker::Options{3})});
    }
    config::RoutingConfig r;
    r.strategy = strategy;
    Upstream<BackendPtr>::Policy policy;
    policy.failover = failover;
    policy.retry = RetryPolicy{retries, 0ms, 0ms};
    policy.timeout = 2s;
    return Upstream<BackendPtr>("c", "redis", std::move(members),
                                make_strategy(r, {}, names, std::vector<int>(n, 1)), policy);
  }

  Result<std::string> run(Upstream<BackendPtr>& up, bool idempotent, std::string pinned = "") {
    auto attempt = [](Upstream<BackendPtr>::Member& m) { return hit(m.client, m.service); };
    return io.run(up.call<std::string>("key", pinned, idempotent, attempt));
  }

  std::vector<BackendPtr> backends;
  testing::IoThreads io{1};
};

TEST_F(UpstreamTest, FailsOverToAHealthyBackendAndOpensTheBreaker) {
  auto up = make(2, "round_robin");
  backends[0]->down = true;
  for (int i = 0; i < 10; ++i) {
    auto r = run(up, true);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, "r1");
  }
  EXPECT_EQ(up.members()[0].state->breaker().state(), CircuitBreaker::State::open);
  EXPECT_EQ(backends[0]->calls, 2) << "an open breaker answers without touching the backend";
}

TEST_F(UpstreamTest, NonIdempotentCallsAreNotRetried) {
  auto up = make(2, "round_robin");
  backends[0]->down = true;
  auto r = run(up, false);  // round robin starts at r0
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable);
  EXPECT_EQ(backends[1]->calls, 0);
}

TEST_F(UpstreamTest, NoCandidateLeftIs503NamingEveryBackend) {
  auto up = make(2, "round_robin");
  backends[0]->down = backends[1]->down = true;
  for (int i = 0; i < 2; ++i) (void)run(up, true);  // both breakers open
  auto r = run(up, true);
  ASSERT_FALSE(r);
  const Error e = r.error();
  EXPECT_EQ(e.code(), Errc::backend_unavailable);
  EXPECT_EQ(e.message(), "no redis backend available in cluster \"c\"");
  ASSERT_EQ(e.details().size(), 2u);
  EXPECT_EQ(e.details()[0]["circuit"], "open");
  EXPECT_EQ(e.details()[1]["service"], "r1");
}

TEST_F(UpstreamTest, PinnedServiceIsUsedAndUnknownPinIsNotFound) {
  auto up = make(3, "round_robin");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*run(up, true, "r2"), "r2");
  EXPECT_EQ(backends[2]->calls, 5);
  auto r = run(up, true, "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::not_found);
}

TEST_F(UpstreamTest, ABackendErrorAnswerIsNotAFailureOfTheBackend) {
  auto up = make(1, "round_robin");
  backends[0]->down = true;
  backends[0]->failure = Errc::backend_error;  // e.g. WRONGTYPE: the backend answered
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run(up, true).error().code(), Errc::backend_error);
  EXPECT_EQ(up.members()[0].state->breaker().state(), CircuitBreaker::State::closed);
  EXPECT_EQ(backends[0]->calls, 5) << "not retried";
}

TEST_F(UpstreamTest, RetriesTheSameBackendWithoutFailoverUpToTheLimit) {
  auto up = make(1, "round_robin", false, 2);
  backends[0]->down = true;
  auto r = run(up, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(backends[0]->calls, 2) << "the breaker (threshold 2) stops the third attempt";
}

}  // namespace
}  // namespace throome::router
