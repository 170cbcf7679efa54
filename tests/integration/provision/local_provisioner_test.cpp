// LocalProvisioner against the real redis-server and PostgreSQL: settings changes restart a
// server with its data, a server left running by an earlier daemon is taken over, and a
// rollback removes only fresh data.
#include "throome/provision/local_provisioner.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sys/stat.h>

#include <memory>

#include "provision/child_process.hpp"
#include "provision/ports.hpp"

namespace throome::provision {
namespace {

namespace fs = std::filesystem;

class StateRoot {
 public:
  StateRoot() {
    char tmpl[] = "/tmp/throome-lp-XXXXXX";
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

config::ClusterConfig cache_cluster(const std::string& password = "") {
  config::ClusterConfig c;
  c.cluster_id = "c1";
  c.name = "c1";
  config::ServiceConfig cache;
  cache.name = "cache";
  cache.type = config::ServiceType::redis;
  cache.provision = true;
  cache.host = "127.0.0.1";
  cache.password = password;
  c.services.push_back(cache);
  return c;
}

// One command on a fresh connection. @return the reply as text ("" for nil, "ERR..." errors).
std::string redis(int port, const std::string& password, std::vector<std::string> argv) {
  std::unique_ptr<redisContext, void (*)(redisContext*)> c(redisConnect("127.0.0.1", port),
                                                           &redisFree);
  if (!c || c->err) return "CONNECT FAILED";
  auto run = [&](const std::vector<std::string>& args) {
    std::vector<const char*> v;
    std::vector<std::size_t> l;
    for (const auto& a : args) {
      v.push_back(a.data());
      l.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(v.size()), v.data(), l.data()));
    std::string out = r == nullptr        ? "NO REPLY"
                      : r->str != nullptr ? std::string(r->str, r->len)
                                          : std::to_string(r->integer);
    if (r != nullptr) freeReplyObject(r);
    return out;
  };
  if (!password.empty()) {
    auto auth = run({"AUTH", password});
    if (auth != "OK") return auth;
  }
  return run(argv);
}

class LocalProvisionerTest : public ::testing::Test {
 protected:
  LocalOptions options() const {
    LocalOptions o;
    o.state_dir = root_.path() / "state";
    o.start_timeout = std::chrono::seconds(60);
    return o;
  }
  StateRoot root_;
};

TEST_F(LocalProvisionerTest, ChangedPasswordRestartsWithTheSameDataAndPort) {
  LocalProvisioner p(options());
  auto written = cache_cluster();
  auto resolved = written;
  auto started = p.start(written, resolved);
  ASSERT_TRUE(started) << started.error().message();
  ASSERT_EQ(started->size(), 1u);
  EXPECT_TRUE((*started)[0].fresh);
  const int port = written.services[0].port;
  const std::string first_password = written.services[0].password;
  EXPECT_EQ(resolved.services[0].password, first_password);
  EXPECT_EQ(redis(port, first_password, {"SET", "k", "v"}), "OK");
  const auto pid1 = detail::read_pid_file(p.service_dir("c1", "cache") / "throome.pid");
  ASSERT_TRUE(pid1);

  // Same settings: nothing restarts.
  auto again = p.start(written, resolved);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(detail::read_pid_file(p.service_dir("c1", "cache") / "throome.pid")->pid, pid1->pid);

  // A new password: restarted on the same port, data kept, old password refused.
  auto changed = cache_cluster("n3w-pass word");
  changed.services[0].port = port;
  auto changed_resolved = changed;
  auto restarted = p.start(changed, changed_resolved);
  ASSERT_TRUE(restarted) << restarted.error().message();
  ASSERT_EQ(restarted->size(), 1u);
  EXPECT_FALSE((*restarted)[0].fresh);
  EXPECT_EQ(changed.services[0].port, port);
  EXPECT_FALSE(detail::is_alive(*pid1)) << "the old server was stopped";
  EXPECT_EQ(redis(port, "n3w-pass word", {"GET", "k"}), "v");
  EXPECT_NE(redis(port, first_password, {"GET", "k"}), "v");

  p.retain("c1", {}, true);
  EXPECT_FALSE(fs::exists(root_.path() / "state" / "c1"));
  EXPECT_FALSE(detail::port_accepts(port));
}

TEST_F(LocalProvisionerTest, ServerLeftByAnEarlierDaemonIsTakenOver) {
  auto earlier = std::make_unique<LocalProvisioner>(options());
  auto written = cache_cluster();
  auto resolved = written;
  ASSERT_TRUE(earlier->start(written, resolved));
  const int port = written.services[0].port;
  const auto password = written.services[0].password;
  ASSERT_EQ(redis(port, password, {"SET", "survives", "yes"}), "OK");
  const auto old_pid = detail::read_pid_file(earlier->service_dir("c1", "cache") / "throome.pid");
  ASSERT_TRUE(old_pid);

  // A second provisioner on the same state dir (the next daemon) finds the live server.
  LocalProvisioner next(options());
  auto w2 = written;  // the cluster file as stored: port and password recorded
  auto r2 = w2;
  auto started = next.start(w2, r2);
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(w2.services[0].port, port);
  const auto new_pid = detail::read_pid_file(next.service_dir("c1", "cache") / "throome.pid");
  ASSERT_TRUE(new_pid);
  EXPECT_NE(new_pid->pid, old_pid->pid);
  EXPECT_FALSE(detail::is_alive(*old_pid));
  EXPECT_EQ(redis(port, password, {"GET", "survives"}), "yes");
  earlier.reset();  // reaps its (already stopped) child; must not touch the new server
  EXPECT_TRUE(detail::is_alive(*new_pid));
  next.stop_all();
  EXPECT_FALSE(detail::is_alive(*new_pid));
  EXPECT_TRUE(fs::exists(next.service_dir("c1", "cache") / "appendonlydir")) << "data kept";
}

TEST_F(LocalProvisionerTest, PostgresRoleAndDatabaseAreCreatedAndRollbackRemovesFreshData) {
  LocalProvisioner p(options());
  config::ClusterConfig c;
  c.cluster_id = "c2";
  c.name = "c2";
  config::ServiceConfig db;
  db.name = "db";
  db.type = config::ServiceType::postgres;
  db.provision = true;
  db.host = "127.0.0.1";
  c.services.push_back(db);
  auto resolved = c;
  auto started = p.start(c, resolved);
  ASSERT_TRUE(started) << started.error().message() << "\n" << started.error().details().dump(2);
  EXPECT_EQ(c.services[0].username, "throome");
  EXPECT_EQ(c.services[0].database, "throome");
  EXPECT_EQ(c.services[0].password.size(), 32u);
  EXPECT_TRUE(detail::port_accepts(c.services[0].port));
  EXPECT_TRUE(fs::exists(p.service_dir("c2", "db") / "data" / "PG_VERSION"));
  p.rollback("c2", *started);
  EXPECT_FALSE(detail::port_accepts(c.services[0].port));
  EXPECT_FALSE(fs::exists(root_.path() / "state" / "c2"));
}

}  // namespace
}  // namespace throome::provision
