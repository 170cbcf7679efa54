#include "throome/auth/access_guard.hpp"

#include <gtest/gtest.h>

#include "throome/cluster/cluster.hpp"
#include "throome/cluster/registry.hpp"

namespace throome::auth {
namespace {

using namespace std::chrono_literals;
using http::Access;

constexpr const char* kAdminKey = "admin-key-0000000000";
constexpr const char* kOperatorKey = "operator-key-000000000";
constexpr const char* kClientKey = "client-key-0000000000";
constexpr const char* kReaderKey = "reader-key-0000000000";

// Builds a key entry (designated initializers that leave fields out warn on g++ 12).
config::ApiKeyConfig key_config(std::string name, std::string role, std::string env,
                                std::vector<std::string> clusters = {}, bool read_only = false) {
  config::ApiKeyConfig k;
  k.name = std::move(name);
  k.role = std::move(role);
  k.key_env = std::move(env);
  k.clusters = std::move(clusters);
  k.read_only = read_only;
  return k;
}

config::LimitsConfig limits(double rps, int burst, int max_in_flight) {
  config::LimitsConfig l;
  l.requests_per_second = rps;
  l.burst = burst;
  l.max_in_flight = max_in_flight;
  return l;
}

std::shared_ptr<const KeyRing> make_keys() {
  config::AuthConfig auth;
  auth.enabled = true;
  auth.api_keys = {
      key_config("root", "admin", "A"),
      key_config("ops", "operator", "O"),
      key_config("app", "client", "C", {"shop"}),
      key_config("reader", "client", "R", {"*"}, true),
  };
  auth.api_keys[2].rate_limit.requests_per_second = 1;
  auth.api_keys[2].rate_limit.burst = 2;

  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "A") return std::string(kAdminKey);
    if (name == "O") return std::string(kOperatorKey);
    if (name == "C") return std::string(kClientKey);
    return std::string(kReaderKey);
  };
  return std::make_shared<const KeyRing>(KeyRing::from_config(auth, env));
}

cluster::ClusterPtr make_cluster(const std::string& id, config::LimitsConfig limits) {
  config::ClusterConfig c;
  c.cluster_id = id;
  c.name = id;
  c.limits = limits;
  return std::make_shared<const cluster::Cluster>(c, c);
}

http::Request request(const char* key, const std::string& cluster = "") {
  http::Request req;
  if (key != nullptr) req.headers.add("Authorization", std::string("Bearer ") + key);
  if (!cluster.empty()) req.params.emplace_back("id", cluster);
  return req;
}

class AccessGuardTest : public ::testing::Test {
 protected:
  AccessGuardTest()
      : guard_(make_keys(), registry_, {.auth_enabled = true, .metrics_require_auth = true},
               [this] { return now_; }) {
    registry_.upsert(make_cluster("shop", limits(0, 0, 0)));
    registry_.upsert(make_cluster("other", limits(0, 0, 0)));
  }

  Errc admit(const char* key, Access access, const std::string& cluster = "") {
    auto req = request(key, cluster);
    auto r = guard_.admit(req, access);
    return r ? Errc::ok : r.error().code();
  }

  cluster::Registry registry_;
  RateLimiter::Clock::time_point now_{std::chrono::seconds(100)};
  AccessGuard guard_;
};

TEST_F(AccessGuardTest, MissingAndUnknownKeysAre401) {
  EXPECT_EQ(admit(nullptr, Access::operate), Errc::unauthorized);
  EXPECT_EQ(admit("no-such-key-000000000", Access::read, "shop"), Errc::unauthorized);
  EXPECT_EQ(admit(nullptr, Access::metrics), Errc::unauthorized);
  EXPECT_EQ(admit(nullptr, Access::open), Errc::ok);
  EXPECT_EQ(admit("no-such-key-000000000", Access::open), Errc::ok);
}

TEST_F(AccessGuardTest, RoleTable) {
  for (Access a : {Access::open, Access::metrics, Access::operate, Access::administer, Access::read,
                   Access::write}) {
    EXPECT_EQ(admit(kAdminKey, a, "shop"), Errc::ok) << access_name(a);
  }
  EXPECT_EQ(admit(kOperatorKey, Access::operate, "shop"), Errc::ok);
  EXPECT_EQ(admit(kOperatorKey, Access::metrics), Errc::ok);
  EXPECT_EQ(admit(kOperatorKey, Access::administer), Errc::forbidden);
  EXPECT_EQ(admit(kOperatorKey, Access::read, "shop"), Errc::forbidden);
  EXPECT_EQ(admit(kOperatorKey, Access::write, "shop"), Errc::forbidden);

  EXPECT_EQ(admit(kClientKey, Access::read, "shop"), Errc::ok);
  EXPECT_EQ(admit(kClientKey, Access::write, "shop"), Errc::ok);
  EXPECT_EQ(admit(kClientKey, Access::read, "other"), Errc::forbidden);
  EXPECT_EQ(admit(kClientKey, Access::read, "does-not-exist"), Errc::forbidden);
  EXPECT_EQ(admit(kClientKey, Access::operate, "shop"), Errc::forbidden);
  EXPECT_EQ(admit(kClientKey, Access::administer), Errc::forbidden);
  EXPECT_EQ(admit(kClientKey, Access::metrics), Errc::forbidden);

  EXPECT_EQ(admit(kReaderKey, Access::read, "other"), Errc::ok);
  EXPECT_EQ(admit(kReaderKey, Access::read, "does-not-exist"), Errc::ok);  // "*": handler 404s
  EXPECT_EQ(admit(kReaderKey, Access::write, "shop"), Errc::forbidden);
}

TEST_F(AccessGuardTest, ForbiddenLooksTheSameForUnknownClusters) {
  auto known = request(kClientKey, "other");
  auto unknown = request(kClientKey, "nope");
  auto a = guard_.admit(known, Access::read);
  auto b = guard_.admit(unknown, Access::read);
  ASSERT_FALSE(a);
  ASSERT_FALSE(b);
  EXPECT_EQ(a.error().code(), b.error().code());
  EXPECT_EQ(a.error().details(), b.error().details());
}

TEST_F(AccessGuardTest, FillsPrincipalAndReadOnly) {
  auto req = request(kReaderKey, "shop");
  ASSERT_TRUE(guard_.admit(req, Access::read));
  EXPECT_EQ(req.principal, "reader");
  EXPECT_TRUE(req.read_only);
  auto app = request(kClientKey, "shop");
  ASSERT_TRUE(guard_.admit(app, Access::read));
  EXPECT_EQ(app.principal, "app");
  EXPECT_FALSE(app.read_only);
}

TEST_F(AccessGuardTest, KeyRateLimitGives429ThenRecovers) {
  EXPECT_EQ(admit(kClientKey, Access::read, "shop"), Errc::ok);
  EXPECT_EQ(admit(kClientKey, Access::read, "shop"), Errc::ok);
  auto req = request(kClientKey, "shop");
  auto refused = guard_.admit(req, Access::read);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Errc::rate_limited);
  EXPECT_EQ(refused.error().details().value("retry_after_seconds", 0), 1);
  EXPECT_EQ(admit(kAdminKey, Access::read, "shop"), Errc::ok);  // other keys are unaffected
  now_ += 1s;
  EXPECT_EQ(admit(kClientKey, Access::read, "shop"), Errc::ok);
}

TEST_F(AccessGuardTest, ClusterLimitsApplyToEveryKey) {
  registry_.upsert(make_cluster("tiny", limits(1, 1, 0)));
  EXPECT_EQ(admit(kAdminKey, Access::read, "tiny"), Errc::ok);
  EXPECT_EQ(admit(kReaderKey, Access::read, "tiny"), Errc::rate_limited);
  EXPECT_EQ(admit(kAdminKey, Access::operate, "tiny"), Errc::ok);  // not the data plane
  now_ += 1s;
  EXPECT_EQ(admit(kReaderKey, Access::read, "tiny"), Errc::ok);
}

TEST_F(AccessGuardTest, InFlightCapGives503UntilAPassIsReleased) {
  registry_.upsert(make_cluster("narrow", limits(0, 0, 1)));
  auto first_req = request(kAdminKey, "narrow");
  auto first = guard_.admit(first_req, Access::write);
  ASSERT_TRUE(first);
  EXPECT_EQ(admit(kAdminKey, Access::write, "narrow"), Errc::overloaded);
  { http::Pass done = std::move(*first); }
  EXPECT_EQ(admit(kAdminKey, Access::write, "narrow"), Errc::ok);  // its pass died at once
  EXPECT_EQ(registry_.find("narrow")->throttle()->in_flight(), 0);
}

TEST(AccessGuard, WithoutAuthOnlyClusterLimitsApply) {
  cluster::Registry registry;
  registry.upsert(make_cluster("tiny", limits(1, 1, 0)));
  RateLimiter::Clock::time_point now{std::chrono::seconds(5)};
  AccessGuard guard(nullptr, registry, {}, [&] { return now; });
  auto admin = request(nullptr);
  EXPECT_TRUE(guard.admit(admin, Access::administer));
  auto metrics = request(nullptr);
  EXPECT_TRUE(guard.admit(metrics, Access::metrics));
  auto a = request(nullptr, "tiny");
  EXPECT_TRUE(guard.admit(a, Access::read));
  auto b = request(nullptr, "tiny");
  auto refused = guard.admit(b, Access::read);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Errc::rate_limited);
}

TEST(AccessGuard, MetricsAreOpenUnlessRequireAuth) {
  cluster::Registry registry;
  AccessGuard guard(make_keys(), registry, {.auth_enabled = true, .metrics_require_auth = false});
  auto req = request(nullptr);
  EXPECT_TRUE(guard.admit(req, Access::metrics));
  auto op = request(nullptr);
  EXPECT_FALSE(guard.admit(op, Access::operate));
}

}  // namespace
}  // namespace throome::auth
