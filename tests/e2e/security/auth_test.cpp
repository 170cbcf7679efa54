// API keys, roles and rate limits against the real daemon and a real redis-server and
// PostgreSQL: every route of the live route table x every role x in/out of scope.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"
#include "throome/api/api.hpp"
#include "throome/auth/api_key.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/config/env.hpp"
#include "throome/http/route_table.hpp"

namespace throome::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Keys as clients present them. The admin key is configured by its SHA-256 in the file, the
// others through environment variables.
constexpr const char* kAdminKey = "adm-0123456789abcdef0123";
constexpr const char* kOperatorKey = "ops-0123456789abcdef0123";
constexpr const char* kClientKey = "app-0123456789abcdef0123";
constexpr const char* kReaderKey = "rdr-0123456789abcdef0123";
constexpr const char* kLimitedKey = "lim-0123456789abcdef0123";
constexpr const char* kUnknownKey = "unk-0123456789abcdef0123";

std::string hex(const auth::KeyDigest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

void write_cluster(const fs::path& clusters, const std::string& id, const std::string& body) {
  fs::create_directories(clusters / id);
  std::ofstream(clusters / id / "config.yaml") << "cluster_id: " << id << "\nname: " << id << "\n"
                                               << body;
}

enum class Who { admin, operator_, client, reader, none, unknown };
const std::vector<Who> kEveryone = {Who::admin,  Who::operator_, Who::client,
                                    Who::reader, Who::none,      Who::unknown};

std::string who_name(Who w) {
  switch (w) {
    case Who::admin:
      return "admin";
    case Who::operator_:
      return "operator";
    case Who::client:
      return "client(shop)";
    case Who::reader:
      return "client(shop, read_only)";
    case Who::none:
      return "no key";
    case Who::unknown:
      return "unknown key";
  }
  return "?";
}

Headers key_headers(Who w) {
  switch (w) {
    case Who::admin:
      return {{"Authorization", std::string("Bearer ") + kAdminKey}};
    case Who::operator_:
      return {{"X-API-Key", kOperatorKey}};
    case Who::client:
      return {{"Authorization", std::string("bearer ") + kClientKey}};
    case Who::reader:
      return {{"X-API-Key", kReaderKey}};
    case Who::none:
      return {};
    case Who::unknown:
      return {{"Authorization", std::string("Bearer ") + kUnknownKey}};
  }
  return {};
}

// The documented role table (docs/security.md), written out independently of the gateway's
// own code: the status class a caller gets before any handler runs.
// 0 = admitted (the handler decides), else 401 or 403.
int expected_gate(Who who, http::Access access, const std::string& cluster) {
  using http::Access;
  if (access == Access::open) return 0;
  if (who == Who::none || who == Who::unknown) return 401;
  if (who == Who::admin) return 0;
  if (who == Who::operator_) {
    return access == Access::operate || access == Access::metrics ? 0 : 403;
  }
  // client keys, both scoped to "shop"
  if (access != Access::read && access != Access::write) return 403;
  if (cluster != "shop") return 403;
  if (access == Access::write && who == Who::reader) return 403;
  return 0;
}

class Security : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServer();
    postgres_ = new PostgresServer();
    dir_ = new TempDir();
    const fs::path clusters = dir_->path() / "clusters";
    const std::string redis =
        "  cache: {type: redis, host: 127.0.0.1, port: " + std::to_string(redis_->port()) + "}\n";
    const std::string pg =
        "  db: {type: postgres, host: 127.0.0.1, port: " + std::to_string(postgres_->port()) +
        ", username: " + PostgresServer::kUser + ", password: " + PostgresServer::kPassword +
        ", database: " + PostgresServer::kDatabase + "}\n";
    write_cluster(clusters, "shop", "services:\n" + redis + pg);
    write_cluster(clusters, "other", "services:\n" + redis);
    write_cluster(clusters, "tiny",
                  "services:\n" + redis + "limits: {requests_per_second: 0.2, burst: 2}\n");
    write_cluster(clusters, "narrow", "services:\n" + pg + "limits: {max_in_flight: 1}\n");
    postgres_->psql("CREATE TABLE IF NOT EXISTS sec_items (v int)");

    DaemonProcess::Options o;
    o.clusters_dir = clusters;
    o.config_yaml = R"(
monitoring: {require_auth: true}
auth:
  enabled: true
  api_keys:
    - {name: root, role: admin, key_sha256: ")" +
                    hex(auth::digest_of(kAdminKey)) + R"("}
    - {name: ops, role: operator, key_env: SEC_OPS_KEY}
    - {name: app, role: client, key_env: SEC_APP_KEY, clusters: [shop, tiny]}
    - {name: reader, role: client, key_env: SEC_READER_KEY, clusters: [shop], read_only: true}
    - name: limited
      role: client
      key_env: SEC_LIMITED_KEY
      clusters: ["*"]
      rate_limit: {requests_per_second: 0.2, burst: 3}
)";
    o.env = {{"SEC_OPS_KEY", kOperatorKey},
             {"SEC_APP_KEY", kClientKey},
             {"SEC_READER_KEY", kReaderKey},
             {"SEC_LIMITED_KEY", kLimitedKey}};
    daemon_ = new DaemonProcess(o);
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete postgres_;
    delete redis_;
  }

  static HttpResult call(const std::string& method, const std::string& target,
                         const std::string& body = "", const Headers& headers = {}) {
    return http_request(daemon_->port(), method, target, body, headers);
  }

  // Asserts the documented JSON error shape.
  static void expect_error(const HttpResult& r, int status, const std::string& code,
                           const std::string& context) {
    ASSERT_EQ(r.status, status) << context << "\n" << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json") << context;
    const json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << context << "\n" << r.body;
    EXPECT_EQ(body.value("status", 0), status) << context;
    EXPECT_EQ(body.value("code", ""), code) << context;
    EXPECT_FALSE(body.value("request_id", "").empty()) << context;
    EXPECT_EQ(body.value("request_id", ""), r.header("x-request-id")) << context;
  }

  static RedisServer* redis_;
  static PostgresServer* postgres_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};

RedisServer* Security::redis_ = nullptr;
PostgresServer* Security::postgres_ = nullptr;
TempDir* Security::dir_ = nullptr;
DaemonProcess* Security::daemon_ = nullptr;

// The live route table, built by the same code as the daemon's.
std::vector<http::RouteTable::Entry> live_routes() {
  TempDir tmp;
  cluster::Store store(tmp.path() / "clusters");
  cluster::Registry registry;
  cluster::Manager manager(store, registry, config::process_env());
  boost::asio::thread_pool pool(1);
  std::atomic<bool> ready{true};
  api::Monitoring monitoring;  // metrics_path "/metrics" by default
  api::Api api(manager, pool, ready, monitoring);
  http::RouteTable routes;
  api.register_routes(routes);
  pool.join();
  return routes.entries();
}

std::string fill(const std::string& path_template, const std::string& cluster) {
  std::string out = std::regex_replace(path_template, std::regex(R"(\{id\})"), cluster);
  out = std::regex_replace(out, std::regex(R"(\{name\})"), "cache");
  out = std::regex_replace(out, std::regex(R"(\{[a-z_]+(\.\.\.)?\})"), "x");
  return out;
}

TEST_F(Security, EveryRouteEveryRoleEveryScope) {
  const auto routes = live_routes();
  ASSERT_GT(routes.size(), 40u);
  int checked = 0;
  for (const auto& route : routes) {
    const bool per_cluster = route.path_template.find("{id}") != std::string::npos;
    // Changing routes are aimed at a cluster that does not exist, so that an admitted call
    // changes nothing ("ghost" is outside every client scope but "*").
    std::vector<std::string> clusters{""};
    if (per_cluster) {
      clusters = route.access == http::Access::administer
                     ? std::vector<std::string>{"ghost"}
                     : std::vector<std::string>{"shop", "other", "ghost"};
    }
    for (const auto& cluster : clusters) {
      const std::string target = fill(route.path_template, cluster);
      const std::string body = route.method == "GET" || route.method == "DELETE" ? "" : "{}";
      for (Who who : kEveryone) {
        const std::string context = who_name(who) + " " + route.method + " " + target + " (" +
                                    std::string(http::access_name(route.access)) + ")";
        auto r = call(route.method, target, body, key_headers(who));
        const int gate = expected_gate(who, route.access, cluster);
        if (gate == 401) {
          expect_error(r, 401, "unauthorized", context);
          EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u) << context;
        } else if (gate == 403) {
          expect_error(r, 403, "forbidden", context);
          // Neither the message nor the details tell whether the cluster exists.
          EXPECT_EQ(r.body.find("not found"), std::string::npos) << context;
        } else {
          EXPECT_NE(r.status, 401) << context << "\n" << r.body;
          EXPECT_NE(r.status, 403) << context << "\n" << r.body;
          EXPECT_NE(r.status, 429) << context << "\n" << r.body;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 500);
  // Nothing in the clusters dir changed: admitted writes went to a cluster that is not there.
  EXPECT_TRUE(fs::exists(dir_->path() / "clusters" / "shop" / "config.yaml"));
  EXPECT_FALSE(fs::exists(dir_->path() / "clusters" / "ghost"));
}

TEST_F(Security, UnknownClusterOutOfScopeIs403InScopeIs404) {
  auto hidden =
      call("POST", "/api/v1/clusters/ghost/cache/get", R"({"key":"k"})", key_headers(Who::client));
  expect_error(hidden, 403, "forbidden", "client on ghost");
  auto visible =
      call("POST", "/api/v1/clusters/ghost/cache/get", R"({"key":"k"})", key_headers(Who::admin));
  expect_error(visible, 404, "not_found", "admin on ghost");
  // The same 403 body (apart from the request id) for an existing and a missing cluster.
  auto existing =
      call("POST", "/api/v1/clusters/other/cache/get", R"({"key":"k"})", key_headers(Who::client));
  auto strip = [](json j, const std::string& id) {
    j.erase("request_id");
    std::string text = j.dump();
    return std::regex_replace(text, std::regex(id), "<id>");
  };
  EXPECT_EQ(strip(json::parse(existing.body), "other"), strip(json::parse(hidden.body), "ghost"));
}

TEST_F(Security, OpenRoutesStayOpen) {
  EXPECT_EQ(call("GET", "/health").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  EXPECT_EQ(call("GET", "/metrics").status, 401);  // monitoring.require_auth: true
  EXPECT_EQ(call("GET", "/metrics", "", key_headers(Who::operator_)).status, 200);
}

TEST_F(Security, ClientsReachTheirDataPlane) {
  auto set = call("POST", "/api/v1/clusters/shop/cache/set", R"({"key":"sec:k","value":"v"})",
                  key_headers(Who::client));
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(redis_->cli({"GET", "sec:k"}), "v");
  auto get = call("POST", "/api/v1/clusters/shop/cache/get", R"({"key":"sec:k"})",
                  key_headers(Who::reader));
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.json()["value"], "v");
  auto refused = call("POST", "/api/v1/clusters/shop/cache/set", R"({"key":"sec:k","value":"w"})",
                      key_headers(Who::reader));
  expect_error(refused, 403, "forbidden", "reader set");
  EXPECT_EQ(redis_->cli({"GET", "sec:k"}), "v") << "a refused write changed data";
}

TEST_F(Security, ReadOnlyKeysRunSqlInAReadOnlyTransaction) {
  auto select = call("POST", "/api/v1/clusters/shop/db/query", R"({"query":"SELECT 1 AS one"})",
                     key_headers(Who::reader));
  ASSERT_EQ(select.status, 200) << select.body;
  EXPECT_EQ(select.json()["rows"][0]["one"], 1);
  // A write hidden in a "query" is refused by PostgreSQL itself.
  auto sneaky =
      call("POST", "/api/v1/clusters/shop/db/query",
           R"({"query":"INSERT INTO sec_items VALUES (1) RETURNING v"})", key_headers(Who::reader));
  EXPECT_EQ(sneaky.status, 400) << sneaky.body;
  EXPECT_NE(sneaky.body.find("read-only transaction"), std::string::npos) << sneaky.body;
  EXPECT_EQ(postgres_->psql("SELECT count(*) FROM sec_items"), "0");
  // The same statement from a key that may write goes through.
  auto allowed =
      call("POST", "/api/v1/clusters/shop/db/query",
           R"({"query":"INSERT INTO sec_items VALUES (1) RETURNING v"})", key_headers(Who::client));
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(postgres_->psql("SELECT count(*) FROM sec_items"), "1");
  postgres_->psql("DELETE FROM sec_items");
}

TEST_F(Security, KeyRateLimitGives429WithRetryAfterThenRecovers) {
  const Headers limited{{"X-API-Key", kLimitedKey}};
  const std::string body = R"({"key":"sec:rl"})";
  // A burst of 3, refilled at one request every 5 s: the fourth request at once is refused.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call("POST", "/api/v1/clusters/other/cache/get", body, limited).status, 200) << i;
  }
  auto refused = call("POST", "/api/v1/clusters/other/cache/get", body, limited);
  expect_error(refused, 429, "rate_limited", "fourth request");
  const int retry_after = std::stoi(
      refused.header("retry-after").empty() ? std::string("0") : refused.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 5);
  // Other keys are not affected.
  EXPECT_EQ(call("POST", "/api/v1/clusters/other/cache/get", body, key_headers(Who::admin)).status,
            200);
  // It recovers once a token refilled: poll (bounded) until the request is admitted.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int status = 429;
  while (status == 429 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    status = call("POST", "/api/v1/clusters/other/cache/get", body, limited).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(Security, ClusterRateLimitAppliesToEveryKey) {
  const std::string body = R"({"key":"sec:tiny"})";
  int admitted = 0;
  HttpResult last;
  for (int i = 0; i < 4; ++i) {
    last = call("POST", "/api/v1/clusters/tiny/cache/get", body,
                key_headers(i % 2 ? Who::admin : Who::client));
    if (last.status == 200) ++admitted;
  }
  EXPECT_EQ(admitted, 2);  // burst 2 at 0.2 requests per second
  expect_error(last, 429, "rate_limited", "tiny");
  EXPECT_FALSE(last.header("retry-after").empty());
  // Cluster administration is not throttled by the data-plane limit.
  EXPECT_EQ(call("GET", "/api/v1/clusters/tiny", "", key_headers(Who::operator_)).status, 200);
}

TEST_F(Security, InFlightCapGives503WithoutQueueing) {
  // One slow query holds the only slot of "narrow"; a second request is refused at once.
  HttpResult slow;
  std::thread holder([&] {
    slow = call("POST", "/api/v1/clusters/narrow/db/query",
                R"({"query":"SELECT pg_sleep(3) AS slept"})", key_headers(Who::admin));
  });
  // Await the condition: PostgreSQL runs the sleep (so the first request holds its slot).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool running = false;
  while (!running && std::chrono::steady_clock::now() < deadline) {
    running = postgres_->psql(
                  "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                  "'SELECT pg_sleep(3)%'") != "0";
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(running);
  const auto start = std::chrono::steady_clock::now();
  auto refused = call("POST", "/api/v1/clusters/narrow/db/query", R"({"query":"SELECT 1"})",
                      key_headers(Who::admin));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "it waited";
  expect_error(refused, 503, "overloaded", "second request on narrow");
  EXPECT_EQ(refused.header("retry-after"), "1");
  // Other clusters are not affected.
  EXPECT_EQ(call("POST", "/api/v1/clusters/shop/db/query", R"({"query":"SELECT 1"})",
                 key_headers(Who::admin))
                .status,
            200);
  holder.join();
  EXPECT_EQ(slow.status, 200) << slow.body;
  // The slot was given back with the response.
  EXPECT_EQ(call("POST", "/api/v1/clusters/narrow/db/query", R"({"query":"SELECT 1"})",
                 key_headers(Who::admin))
                .status,
            200);
}

TEST_F(Security, KeysNeverReachLogsOrResponses) {
  auto r = call("GET", "/api/v1/activity", "", key_headers(Who::admin));
  ASSERT_EQ(r.status, 200);
  const std::string logs = daemon_->output();
  EXPECT_NE(logs.find(" key=root"), std::string::npos) << "the access log names the key";
  for (const char* key :
       {kAdminKey, kOperatorKey, kClientKey, kReaderKey, kLimitedKey, kUnknownKey}) {
    EXPECT_EQ(logs.find(key), std::string::npos) << "log contains a key";
    EXPECT_EQ(r.body.find(key), std::string::npos) << "activity contains a key";
  }
  auto listing = call("GET", "/api/v1/clusters/shop", "", key_headers(Who::admin));
  EXPECT_EQ(listing.body.find(PostgresServer::kPassword), std::string::npos);
}

// Start-up safety: no auth means loopback only, unless --insecure.
TEST(SecurityStartup, RefusesNonLoopbackWithoutAuth) {
  TempDir tmp;
  const std::string clusters = (tmp.path() / "clusters").string();
  auto refused =
      run_command({throome_bin(), "--host", "0.0.0.0", "--port", "0", "--clusters-dir", clusters});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("auth.enabled: true"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--insecure"), std::string::npos) << refused.err;
  auto refused_check = run_command(
      {throome_bin(), "--host", "0.0.0.0", "--clusters-dir", clusters, "--check-config"});
  EXPECT_EQ(refused_check.exit_code, 2) << refused_check.err;
  auto insecure = run_command({throome_bin(), "--host", "0.0.0.0", "--clusters-dir", clusters,
                               "--insecure", "--check-config"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
  EXPECT_NE(insecure.err.find("without authentication"), std::string::npos) << insecure.err;
  auto loopback =
      run_command({throome_bin(), "--host", "::1", "--clusters-dir", clusters, "--check-config"});
  EXPECT_EQ(loopback.exit_code, 0) << loopback.err;
  const fs::path cfg = tmp.path() / "throome.yaml";
  std::ofstream(cfg) << "auth:\n  enabled: true\n  api_keys:\n    - {name: a, role: admin, "
                        "key_env: SEC_STARTUP_KEY}\n";
  auto with_auth = run_command({throome_bin(), "--config", cfg.string(), "--host", "0.0.0.0",
                                "--clusters-dir", clusters, "--check-config"},
                               {{"SEC_STARTUP_KEY", "a-long-enough-key-0000"}});
  EXPECT_EQ(with_auth.exit_code, 0) << with_auth.err;
  auto env_missing = run_command(
      {throome_bin(), "--config", cfg.string(), "--clusters-dir", clusters, "--check-config"});
  EXPECT_EQ(env_missing.exit_code, 2);
  EXPECT_NE(env_missing.err.find("auth.api_keys[0].key_env"), std::string::npos) << env_missing.err;
}

}  // namespace
}  // namespace throome::testing
