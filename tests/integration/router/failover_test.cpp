// Routing across two real redis-servers behind the real daemon: failover, breakers, health
// checks bringing a backend back, consistent hashing.
#include <gtest/gtest.h>

#include <thread>

#include "support/process.hpp"
#include "support/prometheus_text.hpp"
#include "support/servers.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;

class Routing : public ::testing::Test {
 protected:
  void SetUp() override {
    a = std::make_unique<RedisServer>();
    b = std::make_unique<RedisServer>();
    DaemonProcess::Options o;
    o.clusters_dir = dir.path() / "clusters";
    daemon = std::make_unique<DaemonProcess>(o);
  }

  void create(const std::string& id, const std::string& strategy) {
    json body = {
        {"name", id},
        {"cluster_id", id},
        {"services",
         {{"a", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", a->port()}}},
          {"b", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", b->port()}}}}},
        {"routing",
         {{"strategy", strategy},
          {"timeout_ms", 1000},
          {"retry_attempts", 2},
          {"circuit_breaker",
           {{"enabled", true}, {"failure_threshold", 2}, {"reset_timeout", 1}}}}},
        {"health", {{"enabled", true}, {"interval", 1}, {"timeout", 1}, {"threshold", 3}}}};
    auto r = http_request(daemon->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    // Await both backends answering (connections open in the background).
    for (const char* svc : {"a", "b"}) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      int status = 0;
      while (status != 200 && std::chrono::steady_clock::now() < deadline) {
        status = cache(id, "exists", {{"key", "probe"}, {"service", svc}}).status;
      }
      ASSERT_EQ(status, 200) << svc;
    }
  }

  HttpResult cache(const std::string& id, const std::string& op, const json& body) {
    return http_request(daemon->port(), "POST", "/api/v1/clusters/" + id + "/cache/" + op,
                        body.dump());
  }

  json service(const std::string& id, const std::string& name) {
    return http_request(daemon->port(), "GET", "/api/v1/clusters/" + id + "/services/" + name)
        .json();
  }

  TempDir dir;
  std::unique_ptr<RedisServer> a, b;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(Routing, FailoverKeepsServingAndHealthChecksBringTheBackendBack) {
  create("rr", "round_robin");
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(cache("rr", "set", {{"key", "k" + std::to_string(i)}, {"value", "v"}}).status, 200);
  }
  EXPECT_GT(std::stoi(a->cli({"DBSIZE"})), 0) << "round robin uses both";
  EXPECT_GT(std::stoi(b->cli({"DBSIZE"})), 0);

  b->stop();
  for (int i = 0; i < 40; ++i) {
    auto r = cache("rr", "set", {{"key", "down" + std::to_string(i)}, {"value", "v"}});
    EXPECT_EQ(r.status, 200) << "request " << i << " failed: " << r.body;
  }
  EXPECT_EQ(a->cli({"EXISTS", "down0", "down39"}), "2") << "a served everything";
  auto view = service("rr", "b");
  EXPECT_EQ(view["healthy"], false);
  EXPECT_EQ(view["router"]["circuit"], "open") << view.dump();
  const auto metrics = parse_prometheus_text(http_request(daemon->port(), "GET", "/metrics").body);
  EXPECT_EQ(sample(metrics, "throome_circuit_breaker_state",
                   {{"cluster", "rr"}, {"service", "b"}, {"type", "redis"}}),
            2);
  EXPECT_EQ(sample(metrics, "throome_circuit_breaker_state",
                   {{"cluster", "rr"}, {"service", "a"}, {"type", "redis"}}),
            0);
  EXPECT_EQ(sample(metrics, "throome_backend_up",
                   {{"cluster", "rr"}, {"service", "b"}, {"type", "redis"}}),
            0);
  EXPECT_EQ(sample(metrics, "throome_backend_up",
                   {{"cluster", "rr"}, {"service", "a"}, {"type", "redis"}}),
            1);
  EXPECT_GE(sample(metrics, "throome_retries_total", {{"cluster", "rr"}, {"type", "redis"}}), 1)
      << "the sets that met b were retried on a";

  // Non-idempotent commands are not retried elsewhere: some INCRs may fail while b is
  // still being discovered, but never twice-applied. (Breaker is open now: all succeed.)
  for (int i = 0; i < 10; ++i) EXPECT_EQ(cache("rr", "incr", {{"key", "ctr"}}).status, 200);
  EXPECT_EQ(a->cli({"GET", "ctr"}), "10");

  b->start();
  // After the next health interval and the breaker's reset timeout, b gets traffic again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int i = 0;
  while (std::chrono::steady_clock::now() < deadline && b->cli({"DBSIZE"}) == "0") {
    cache("rr", "set", {{"key", "back" + std::to_string(i++)}, {"value", "v"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(b->cli({"DBSIZE"}), "0") << "b never received traffic again";
  EXPECT_EQ(service("rr", "b")["healthy"], true);
}

TEST_F(Routing, AllBackendsDownIs503NamingThem) {
  create("down", "round_robin");
  a->stop();
  b->stop();
  HttpResult r;
  for (int i = 0; i < 6; ++i) r = cache("down", "get", {{"key", "x"}});
  EXPECT_EQ(r.status, 503) << r.body;
  auto body = r.json();
  EXPECT_EQ(body["code"], "backend_unavailable");
  const std::string text = body.dump();
  EXPECT_NE(text.find("\"a\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"b\""), std::string::npos) << text;
}

TEST_F(Routing, ConsistentHashPutsEachKeyOnExactlyOneBackendStably) {
  create("ch", "consistent_hash");
  for (int i = 0; i < 60; ++i) {
    const std::string key = "user:" + std::to_string(i);
    ASSERT_EQ(cache("ch", "set", {{"key", key}, {"value", std::to_string(i)}}).status, 200);
  }
  int on_a = 0, on_b = 0;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "user:" + std::to_string(i);
    const bool in_a = a->cli({"EXISTS", key}) == "1";
    const bool in_b = b->cli({"EXISTS", key}) == "1";
    EXPECT_NE(in_a, in_b) << key << " must live on exactly one backend";
    on_a += in_a;
    on_b += in_b;
    // And a read finds it (it is routed to the same backend).
    EXPECT_EQ(cache("ch", "get", {{"key", key}}).json()["value"], std::to_string(i));
  }
  EXPECT_GT(on_a, 10);
  EXPECT_GT(on_b, 10);
}

}  // namespace
}  // namespace throome::testing
