// Observability end to end: the real daemon in front of a real redis-server. Traffic is
// driven over HTTP, then /metrics is scraped and checked (exact deltas, promtool), the JSON
// views and the activity log are read, and a real Prometheus server scrapes the daemon.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/eventually.hpp"
#include "support/process.hpp"
#include "support/prometheus_text.hpp"
#include "support/servers.hpp"
#include "throome/version.hpp"

extern char** environ;

namespace throome::testing {
namespace {

using nlohmann::json;
using Samples = std::map<std::string, double>;
using Labels = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

constexpr const char* kGetRoute = "/api/v1/clusters/{id}/cache/get";
constexpr const char* kSecretValue = "e2e-distinctive-value-5d0c7e";

std::string percent_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

/// A background process (here: prometheus) with its output in a file; stopped by PID.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& log) : log_(log) {
    std::vector<char*> c_args;
    for (const auto& a : argv) c_args.push_back(const_cast<char*>(a.c_str()));
    c_args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawnp(&pid_, c_args[0], &actions, nullptr, c_args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~Background() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

class Monitor : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServer();
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    o.config_yaml = "monitoring:\n  activity_size: 50\n";
    daemon_ = new DaemonProcess(o);
    json body = {
        {"name", "Shop"},
        {"cluster_id", "shop"},
        {"services",
         {{"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", redis_->port()}}}}}};
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_TRUE(eventually(
        [] {
          return cache("exists", {{"key", "probe"}}).status == 200;
        },
        std::chrono::seconds(10)))
        << "cluster shop never reached its redis";
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete redis_;
  }

  static HttpResult cache(const std::string& op, const json& body, const std::string& id = "shop") {
    return http_request(daemon_->port(), "POST", "/api/v1/clusters/" + id + "/cache/" + op,
                        body.dump());
  }
  static std::string scrape_text() {
    auto r = http_request(daemon_->port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }
  static Samples scrape() { return parse_prometheus_text(scrape_text()); }
  static json get_json(const std::string& target) {
    auto r = http_request(daemon_->port(), "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static Labels backend(const std::string& op, const std::string& outcome) {
    return {{"cluster", "shop"},
            {"service", "cache"},
            {"type", "redis"},
            {"operation", op},
            {"outcome", outcome}};
  }

  static RedisServer* redis_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
RedisServer* Monitor::redis_ = nullptr;
TempDir* Monitor::dir_ = nullptr;
DaemonProcess* Monitor::daemon_ = nullptr;

TEST_F(Monitor, CountersMoveByExactlyTheTrafficSent) {
  redis_->cli({"SET", "m:present", "x"});
  const Samples before = scrape();

  constexpr int kGets = 37;
  constexpr int kMissingCluster = 5;
  double body_bytes = 0;
  for (int i = 0; i < kGets; ++i) {
    const json body = {{"key", i % 2 == 0 ? "m:present" : "m:absent"}};
    body_bytes += static_cast<double>(body.dump().size());
    ASSERT_EQ(cache("get", body).status, 200);
  }
  for (int i = 0; i < kMissingCluster; ++i) {
    ASSERT_EQ(cache("get", {{"key", "k"}}, "no-such-cluster").status, 404);
  }
  ASSERT_EQ(http_request(daemon_->port(), "GET", "/no/such/path/secret-token-zz").status, 404);

  const std::string text = scrape_text();
  const Samples after = parse_prometheus_text(text);
  auto delta = [&](const std::string& name, const Labels& labels) {
    return sample(after, name, labels) - sample(before, name, labels);
  };
  EXPECT_EQ(delta("throome_http_requests_total",
                  {{"method", "POST"}, {"route", kGetRoute}, {"code", "200"}}),
            kGets);
  EXPECT_EQ(delta("throome_http_requests_total",
                  {{"method", "POST"}, {"route", kGetRoute}, {"code", "404"}}),
            kMissingCluster);
  EXPECT_EQ(delta("throome_http_requests_total",
                  {{"method", "GET"}, {"route", "unmatched"}, {"code", "404"}}),
            1);
  EXPECT_EQ(delta("throome_http_request_duration_seconds_count",
                  {{"method", "POST"}, {"route", kGetRoute}}),
            kGets + kMissingCluster);
  EXPECT_GE(delta("throome_http_request_bytes_total", {{"method", "POST"}, {"route", kGetRoute}}),
            body_bytes);
  // Requests for an unknown cluster never reach a backend.
  EXPECT_EQ(delta("throome_backend_requests_total", backend("get", "success")), kGets);
  EXPECT_EQ(delta("throome_backend_requests_total", backend("get", "error")), 0);
  EXPECT_EQ(
      delta("throome_backend_request_duration_seconds_count",
            {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}, {"operation", "get"}}),
      kGets);
  EXPECT_EQ(sample(after, "throome_backend_in_flight",
                   {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}}),
            0);
  // Raw paths never become labels.
  EXPECT_EQ(text.find("secret-token-zz"), std::string::npos);
  EXPECT_EQ(text.find("no-such-cluster"), std::string::npos);
}

TEST_F(Monitor, ExpositionPassesPromtoolAndHasTheGatewayFamilies) {
  ASSERT_EQ(cache("set", {{"key", "p:1"}, {"value", "v"}}).status, 200);
  const std::string text = scrape_text();
  const auto result = run_command({"promtool", "check", "metrics"}, {}, text);
  EXPECT_EQ(result.exit_code, 0) << "promtool:\n" << result.out << result.err;

  const Samples s = parse_prometheus_text(text);
  EXPECT_EQ(sample(s, "throome_build_info", {{"version", kVersion}, {"commit", kGitCommit}}), 1);
  EXPECT_EQ(sample(s, "throome_clusters"), 1);
  EXPECT_EQ(sample(s, "throome_backend_up",
                   {{"cluster", "shop"}, {"service", "cache"}, {"type", "redis"}}),
            1);
  EXPECT_GE(sample(s, "throome_http_connections"), 1);  // this scrape's own connection
  EXPECT_GT(sample(s, "process_resident_memory_bytes"), 0);
  EXPECT_GT(sample(s, "process_open_fds"), 0);
  EXPECT_GT(sample(s, "process_start_time_seconds"), 1.6e9);
  EXPECT_EQ(s.count("process_cpu_seconds_total"), 1u);
}

TEST_F(Monitor, ClusterMetricsHealthAndActivityViews) {
  const json before = get_json("/api/v1/clusters/shop/metrics");
  auto set_count = [](const json& j) {
    const auto& ops = j["services"]["cache"]["operations"];
    return ops.contains("set") ? ops["set"]["requests"].get<int>() : 0;
  };
  constexpr int kSets = 4;
  for (int i = 0; i < kSets; ++i) {
    ASSERT_EQ(cache("set", {{"key", "a:" + std::to_string(i)}, {"value", kSecretValue}}).status,
              200);
  }
  // A Redis error reply (INCR of a non-integer) is a backend error.
  ASSERT_EQ(cache("incr", {{"key", "a:0"}}).status, 400);

  const json after = get_json("/api/v1/clusters/shop/metrics");
  EXPECT_EQ(after["cluster_id"], "shop");
  EXPECT_EQ(set_count(after) - set_count(before), kSets);
  EXPECT_EQ(after["errors"].get<int>() - before["errors"].get<int>(), 1);
  EXPECT_EQ(after["active_services"], 1);
  EXPECT_GT(after["avg_response_ms"].get<double>(), 0);
  EXPECT_GT(after["p95_response_ms"].get<double>(), 0);

  const json health = get_json("/api/v1/clusters/shop/health");
  EXPECT_EQ(health["cluster_id"], "shop");
  EXPECT_EQ(health["services"]["cache"]["healthy"], true);
  EXPECT_TRUE(health["services"]["cache"]["response_time"].is_number());

  auto r = http_request(daemon_->port(), "GET", "/api/v1/clusters/shop/activity?limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(kSecretValue), std::string::npos) << "a value reached the activity log";
  const json activity = json::parse(r.body);
  ASSERT_EQ(activity["activities"].size(), 5u);
  const auto& newest = activity["activities"][0];
  EXPECT_EQ(newest["command"], "INCR");
  EXPECT_EQ(newest["status"], "error");
  EXPECT_EQ(newest["parameters"]["keys"][0], "a:0");
  EXPECT_EQ(activity["activities"][1]["command"], "SET");
  EXPECT_EQ(activity["activities"][1]["parameters"]["keys"][0], "a:3");
  EXPECT_EQ(activity["activities"][4]["parameters"]["keys"][0], "a:0");
  EXPECT_GT(std::stoull(newest["id"].get<std::string>()),
            std::stoull(activity["activities"][1]["id"].get<std::string>()));
  const json service = get_json("/api/v1/clusters/shop/services/cache/activity?limit=1");
  EXPECT_EQ(service["activities"].size(), 1u);
  EXPECT_EQ(http_request(daemon_->port(), "GET", "/api/v1/activity?limit=zero").status, 400);
}

TEST_F(Monitor, AccessLogNamesTheClusterAndSigusr1TogglesDebug) {
  ASSERT_EQ(cache("get", {{"key", "log:1"}}).status, 200);
  EXPECT_TRUE(eventually(
      [] {
        return daemon_->output().find("route=/api/v1/clusters/{id}/cache/get cluster=shop") !=
               std::string::npos;
      },
      std::chrono::seconds(5)))
      << daemon_->output();
  ASSERT_EQ(::kill(daemon_->pid(), SIGUSR1), 0);
  EXPECT_TRUE(eventually(
      [] { return daemon_->output().find("log level is now debug") != std::string::npos; },
      std::chrono::seconds(5)));
  ASSERT_EQ(::kill(daemon_->pid(), SIGUSR1), 0);
  EXPECT_TRUE(eventually(
      [] { return daemon_->output().find("log level is now info") != std::string::npos; },
      std::chrono::seconds(5)));
  EXPECT_TRUE(daemon_->running());
}

TEST_F(Monitor, RealPrometheusScrapesTheDaemon) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(cache("get", {{"key", "prom:1"}}).status, 200);
  // Traffic has stopped: this is the value Prometheus must end up with.
  const double expected = sample(scrape(), "throome_http_requests_total",
                                 {{"method", "POST"}, {"route", kGetRoute}, {"code", "200"}});
  ASSERT_GT(expected, 0);

  TempDir prom;
  const std::uint16_t port = free_loopback_port();
  std::ofstream(prom.path() / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "scrape_configs:\n  - job_name: throome\n    scrape_interval: 1s\n"
      << "    static_configs:\n      - targets: ['127.0.0.1:" << daemon_->port() << "']\n";
  Background server({"prometheus", "--config.file=" + (prom.path() / "prometheus.yml").string(),
                     "--storage.tsdb.path=" + (prom.path() / "data").string(),
                     "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                    prom.path() / "prometheus.log");
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(30))) << server.output();

  // The value Prometheus holds for `query`, or nullopt while it has none.
  auto query = [&](const std::string& q) -> std::optional<std::pair<json, double>> {
    HttpResult r;
    try {
      r = http_request(port, "GET", "/api/v1/query?query=" + percent_encode(q));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (r.status != 200) return std::nullopt;
    const json j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "success") return std::nullopt;
    const auto& result = j["data"]["result"];
    if (!result.is_array() || result.size() != 1) return std::nullopt;
    return std::make_pair(result[0]["metric"], std::stod(result[0]["value"][1].get<std::string>()));
  };

  std::optional<std::pair<json, double>> build;
  EXPECT_TRUE(eventually(
      [&] {
        build = query("throome_build_info");
        return build.has_value();
      },
      std::chrono::seconds(60)))
      << server.output();
  ASSERT_TRUE(build);
  EXPECT_EQ(build->second, 1);
  EXPECT_EQ(build->first["version"], kVersion);
  EXPECT_EQ(build->first["commit"], kGitCommit);
  EXPECT_EQ(build->first["job"], "throome");

  const std::string requests = std::string("throome_http_requests_total{route=\"") + kGetRoute +
                               "\",code=\"200\",method=\"POST\"}";
  std::optional<std::pair<json, double>> counted;
  EXPECT_TRUE(eventually(
      [&] {
        counted = query(requests);
        return counted && counted->second == expected;
      },
      std::chrono::seconds(30)))
      << "Prometheus has " << (counted ? counted->second : -1) << ", the daemon " << expected;
  EXPECT_TRUE(server.running());
}

TEST(MonitorDisabled, NoMetricsRouteAndNoActivity) {
  TempDir dir;
  DaemonProcess::Options o;
  o.clusters_dir = dir.path() / "clusters";
  o.config_yaml = "monitoring:\n  enabled: false\n";
  DaemonProcess d(o);
  EXPECT_EQ(http_request(d.port(), "GET", "/metrics").status, 404);
  auto r = http_request(d.port(), "GET", "/api/v1/activity");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"], "the activity log is disabled");
  EXPECT_EQ(http_request(d.port(), "GET", "/health").status, 200);
}

TEST(MonitorMetricsPath, ServedWhereConfigured) {
  TempDir dir;
  DaemonProcess::Options o;
  o.clusters_dir = dir.path() / "clusters";
  o.config_yaml = "monitoring:\n  metrics_path: /internal/prom\n";
  DaemonProcess d(o);
  auto r = http_request(d.port(), "GET", "/internal/prom");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("throome_build_info{"), std::string::npos);
  EXPECT_EQ(http_request(d.port(), "GET", "/metrics").status, 404);
}

}  // namespace
}  // namespace throome::testing
