// `provision: true` end to end: the real daemon starts redis-server, PostgreSQL and a dev Kafka
// broker for a cluster created over HTTP, keeps their data across restarts (SIGTERM and
// SIGKILL), stops them with the daemon and removes them with the cluster.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "provision/child_process.hpp"
#include "provision/ports.hpp"
#include "support/process.hpp"

namespace throome::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// A directory the postgres account can traverse when the tests run as root (mkdtemp makes
// 0700 folders, and $TMPDIR may sit below a private one).
class StateRoot {
 public:
  StateRoot() {
    char tmpl[] = "/tmp/throome-prov-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
  }
  ~StateRoot() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);  // polling a condition
  }
  return done();
}

// Live (not zombie) processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const pid_t pid = std::stoi(name);
    if (ss.str().find(needle) != std::string::npos && pid != ::getpid() &&
        provision::detail::process_start_time(pid)) {
      out.push_back(pid);
    }
  }
  return out;
}

bool process_gone(pid_t pid) { return !provision::detail::process_start_time(pid).has_value(); }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Provisioning : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = root_.path() / "state";
    clusters_ = root_.path() / "clusters";
  }

  DaemonProcess::Options options(const std::string& extra_yaml = "") const {
    DaemonProcess::Options o;
    o.clusters_dir = clusters_;
    o.config_yaml = "gateway: {state_dir: \"" + state_.string() + "\"}\n" + extra_yaml;
    o.start_timeout = 120s;
    return o;
  }

  static HttpResult call(DaemonProcess& d, const std::string& method, const std::string& target,
                         const json& body = nullptr) {
    return http_request(d.port(), method, target, body.is_null() ? "" : body.dump(),
                        {{"Content-Type", "application/json"}});
  }

  pid_t pid_of(const std::string& cluster, const std::string& service) const {
    auto record = provision::detail::read_pid_file(state_ / cluster / service / "throome.pid");
    return record ? record->pid : -1;
  }

  StateRoot root_;
  fs::path state_;
  fs::path clusters_;
};

json demo_body(const std::string& id) {
  return {
      {"name", "Provisioned"},
      {"cluster_id", id},
      {"services",
       {{"cache", {{"type", "redis"}, {"provision", true}}},
        {"db",
         {{"type", "postgres"}, {"provision", true}, {"username", "app"}, {"database", "shop"}}},
        {"events", {{"type", "kafka"}, {"provision", true}}}}}};
}

TEST_F(Provisioning, CreateUseRestartKillAndDelete) {
  auto daemon = std::make_unique<DaemonProcess>(options());
  const auto t0 = std::chrono::steady_clock::now();
  auto created = call(*daemon, "POST", "/api/v1/clusters", demo_body("p1"));
  const auto provision_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_EQ(created.status, 201) << created.body << "\n" << daemon->output();
  std::cout << "[ measure  ] provisioning redis + postgres (initdb) + dev kafka took "
            << provision_ms.count() << " ms\n";

  // The API: ports chosen, secrets redacted, the dev broker labelled.
  auto view = call(*daemon, "GET", "/api/v1/clusters/p1");
  ASSERT_EQ(view.status, 200);
  const json services = view.json()["config"]["services"];
  const int cache_port = services["cache"]["port"].get<int>();
  const int db_port = services["db"]["port"].get<int>();
  EXPECT_GT(cache_port, 0);
  EXPECT_GT(db_port, 0);
  EXPECT_GT(services["events"]["port"].get<int>(), 0);
  EXPECT_EQ(services["cache"]["password"], "********");
  EXPECT_EQ(services["db"]["password"], "********");
  EXPECT_EQ(services["events"]["dev_broker"], true);
  EXPECT_FALSE(services["cache"].contains("dev_broker"));
  auto service = call(*daemon, "GET", "/api/v1/clusters/p1/services/events");
  EXPECT_EQ(service.json()["dev_broker"], true);
  auto list = call(*daemon, "GET", "/api/v1/clusters");
  EXPECT_NE(list.body.find("\"dev_broker\":true"), std::string::npos) << list.body;

  // The cluster file: the same ports and the generated passwords (never in the API).
  const auto file = clusters_ / "p1" / "config.yaml";
  const YAML::Node stored = YAML::LoadFile(file.string());
  EXPECT_EQ(stored["services"]["cache"]["port"].as<int>(), cache_port);
  EXPECT_EQ(stored["services"]["db"]["port"].as<int>(), db_port);
  const auto cache_password = stored["services"]["cache"]["password"].as<std::string>();
  const auto db_password = stored["services"]["db"]["password"].as<std::string>();
  EXPECT_EQ(cache_password.size(), 32u);
  EXPECT_EQ(db_password.size(), 32u);
  for (const auto& secret : {cache_password, db_password}) {
    EXPECT_EQ(view.body.find(secret), std::string::npos);
    EXPECT_EQ(list.body.find(secret), std::string::npos);
    EXPECT_EQ(daemon->output().find(secret), std::string::npos) << "never logged";
  }
  // The redis password is not on any command line or in redis.conf in clear text.
  EXPECT_EQ(read_text(state_ / "p1" / "cache" / "redis.conf").find(cache_password),
            std::string::npos);

  // The data planes work against the provisioned servers.
  auto set = call(*daemon, "POST", "/api/v1/clusters/p1/cache/set",
                  {{"key", "greeting"}, {"value", "hello"}});
  ASSERT_EQ(set.status, 200) << set.body;
  auto get = call(*daemon, "POST", "/api/v1/clusters/p1/cache/get", {{"key", "greeting"}});
  EXPECT_EQ(get.json()["value"], "hello");
  auto ddl = call(*daemon, "POST", "/api/v1/clusters/p1/db/execute",
                  {{"query", "CREATE TABLE notes (id int PRIMARY KEY, body text)"}});
  ASSERT_EQ(ddl.status, 200) << ddl.body;
  auto insert = call(*daemon, "POST", "/api/v1/clusters/p1/db/execute",
                     {{"query", "INSERT INTO notes VALUES ($1, $2)"}, {"args", {1, "kept"}}});
  EXPECT_EQ(insert.json()["rows_affected"], 1) << insert.body;
  auto who = call(*daemon, "POST", "/api/v1/clusters/p1/db/query",
                  {{"query", "SELECT current_user AS u, current_database() AS d"}});
  EXPECT_EQ(who.json()["rows"][0]["u"], "app") << who.body;
  EXPECT_EQ(who.json()["rows"][0]["d"], "shop");
  auto publish = call(*daemon, "POST", "/api/v1/clusters/p1/queue/publish",
                      {{"topic", "orders"}, {"message", "first"}});
  EXPECT_EQ(publish.status, 200) << publish.body;

  // A PUT of what GET returned keeps the servers as they run (same PIDs, same ports).
  const pid_t redis_pid = pid_of("p1", "cache");
  const pid_t pg_pid = pid_of("p1", "db");
  ASSERT_GT(redis_pid, 0);
  ASSERT_GT(pg_pid, 0);
  json put_body = view.json();
  auto put = call(*daemon, "PUT", "/api/v1/clusters/p1",
                  {{"name", "Provisioned"}, {"config", put_body["config"]}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(pid_of("p1", "cache"), redis_pid);
  EXPECT_EQ(pid_of("p1", "db"), pg_pid);
  EXPECT_EQ(YAML::LoadFile(file.string())["services"]["cache"]["password"].as<std::string>(),
            cache_password);

  // SIGTERM: the daemon stops its servers; their data stays.
  EXPECT_EQ(daemon->stop(SIGTERM), 0);
  EXPECT_TRUE(process_gone(redis_pid));
  EXPECT_TRUE(process_gone(pg_pid));
  EXPECT_TRUE(processes_mentioning(state_.string()).empty());
  EXPECT_FALSE(provision::detail::port_accepts(cache_port));
  EXPECT_FALSE(provision::detail::port_accepts(db_port));
  EXPECT_TRUE(fs::exists(state_ / "p1" / "db" / "data" / "PG_VERSION"));

  // Restart: the same ports, the same data.
  daemon = std::make_unique<DaemonProcess>(options());
  view = call(*daemon, "GET", "/api/v1/clusters/p1");
  ASSERT_EQ(view.status, 200) << daemon->output();
  EXPECT_EQ(view.json()["config"]["services"]["cache"]["port"], cache_port);
  EXPECT_EQ(view.json()["config"]["services"]["db"]["port"], db_port);
  get = call(*daemon, "POST", "/api/v1/clusters/p1/cache/get", {{"key", "greeting"}});
  EXPECT_EQ(get.json()["value"], "hello") << get.body;
  auto kept = call(*daemon, "POST", "/api/v1/clusters/p1/db/query",
                   {{"query", "SELECT body FROM notes WHERE id = 1"}});
  EXPECT_EQ(kept.json()["rows"][0]["body"], "kept") << kept.body;
  publish = call(*daemon, "POST", "/api/v1/clusters/p1/queue/publish",
                 {{"topic", "orders"}, {"message", "second"}});
  EXPECT_EQ(publish.status, 200) << publish.body;

  // SIGKILL: the servers get their parent-death signal; the next start takes over cleanly.
  const pid_t redis_pid2 = pid_of("p1", "cache");
  const pid_t pg_pid2 = pid_of("p1", "db");
  ASSERT_GT(redis_pid2, 0);
  EXPECT_NE(redis_pid2, redis_pid);
  set = call(*daemon, "POST", "/api/v1/clusters/p1/cache/set",
             {{"key", "after-restart"}, {"value", "yes"}});
  ASSERT_EQ(set.status, 200);
  daemon->stop(SIGKILL);
  EXPECT_TRUE(wait_until([&] { return process_gone(redis_pid2) && process_gone(pg_pid2); }, 30s));
  daemon = std::make_unique<DaemonProcess>(options());
  get = call(*daemon, "POST", "/api/v1/clusters/p1/cache/get", {{"key", "after-restart"}});
  EXPECT_EQ(get.json()["value"], "yes") << get.body << daemon->output();
  kept = call(*daemon, "POST", "/api/v1/clusters/p1/db/query",
              {{"query", "SELECT count(*)::int AS n FROM notes"}});
  EXPECT_EQ(kept.json()["rows"][0]["n"], 1) << kept.body;

  // DELETE: servers stopped, data removed, file gone.
  const pid_t redis_pid3 = pid_of("p1", "cache");
  const pid_t pg_pid3 = pid_of("p1", "db");
  ASSERT_GT(redis_pid3, 0);
  ASSERT_GT(pg_pid3, 0);
  auto removed = call(*daemon, "DELETE", "/api/v1/clusters/p1");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_TRUE(process_gone(redis_pid3));
  EXPECT_TRUE(process_gone(pg_pid3));
  EXPECT_TRUE(processes_mentioning(state_.string()).empty());
  EXPECT_FALSE(fs::exists(state_ / "p1"));
  EXPECT_FALSE(fs::exists(clusters_ / "p1"));
  EXPECT_EQ(daemon->stop(SIGTERM), 0);
}

TEST_F(Provisioning, MissingBinaryNamesTheDebianPackageAndWritesNothing) {
  DaemonProcess daemon(options(
      "provision: {redis_server: /nonexistent/redis-server, postgres_bin_dir: /nonexistent}\n"));
  json body = {{"name", "x"},
               {"cluster_id", "nobin"},
               {"services", {{"cache", {{"type", "redis"}, {"provision", true}}}}}};
  auto r = call(daemon, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.json()["error"].get<std::string>().find("install the Debian package redis-server"),
            std::string::npos)
      << r.body;
  body["services"] = {{"db", {{"type", "postgres"}, {"provision", true}}}};
  r = call(daemon, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.json()["error"].get<std::string>().find("install the Debian package postgresql"),
            std::string::npos)
      << r.body;
  EXPECT_FALSE(fs::exists(clusters_ / "nobin"));
  EXPECT_FALSE(fs::exists(state_ / "nobin"));
  EXPECT_EQ(call(daemon, "GET", "/api/v1/clusters/nobin").status, 404);

  // The same through PATH: a daemon whose PATH has no redis-server.
  TempDir empty;
  auto o = options();
  o.env["PATH"] = empty.path().string();
  DaemonProcess no_path(o);
  body["services"] = {{"cache", {{"type", "redis"}, {"provision", true}}}};
  r = call(no_path, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("redis-server not found"), std::string::npos) << r.body;
  EXPECT_FALSE(fs::exists(clusters_ / "nobin"));
}

TEST_F(Provisioning, HalfWayFailureStopsWhatItStartedAndWritesNothing) {
  DaemonProcess daemon(options());
  // Something else holds the port asked for PostgreSQL, after redis started.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int taken = ntohs(addr.sin_port);

  json body = {{"name", "half"},
               {"cluster_id", "half"},
               {"services",
                {{"cache", {{"type", "redis"}, {"provision", true}}},
                 {"db", {{"type", "postgres"}, {"provision", true}, {"port", taken}}}}}};
  const auto before = snapshot_dir(clusters_);
  auto r = call(daemon, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("port " + std::to_string(taken)), std::string::npos) << r.body;
  ::close(fd);
  EXPECT_EQ(snapshot_dir(clusters_), before);
  const auto log = daemon.output();
  EXPECT_NE(log.find("redis-server for half/cache starting"), std::string::npos) << log;
  EXPECT_NE(log.find("redis-server on port"), std::string::npos) << "stopped again: " << log;
  EXPECT_FALSE(fs::exists(state_ / "half")) << "the redis it started is rolled back";
  EXPECT_TRUE(processes_mentioning(state_.string()).empty());
  EXPECT_EQ(call(daemon, "GET", "/api/v1/clusters/half").status, 404);

  // Bad input is refused before anything starts.
  body["services"] = {{"cache", {{"type", "redis"}, {"provision", true}, {"host", "10.0.0.5"}}}};
  r = call(daemon, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("services.cache.host"), std::string::npos) << r.body;
  EXPECT_FALSE(fs::exists(state_ / "half"));
  EXPECT_EQ(snapshot_dir(clusters_), before);
}

TEST_F(Provisioning, ServerThatFailsToStartReportsItsLogTail) {
  // A redis-server that exits at once with a message, standing in for a broken installation.
  const auto fake = root_.path() / "bin" / "redis-server";
  fs::create_directories(fake.parent_path());
  std::ofstream(fake) << "#!/bin/sh\necho 'FATAL: fake redis cannot start' >&2\nexit 1\n";
  ::chmod(fake.c_str(), 0755);
  DaemonProcess daemon(options("provision: {redis_server: \"" + fake.string() + "\"}\n"));
  json body = {{"name", "broken"},
               {"cluster_id", "broken"},
               {"services", {{"cache", {{"type", "redis"}, {"provision", true}}}}}};
  auto r = call(daemon, "POST", "/api/v1/clusters", body);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.json()["details"]["log_tail"].get<std::string>().find("FATAL: fake redis"),
            std::string::npos)
      << r.body;
  EXPECT_FALSE(fs::exists(clusters_ / "broken"));
  EXPECT_FALSE(fs::exists(state_ / "broken"));
}

}  // namespace
}  // namespace throome::testing
