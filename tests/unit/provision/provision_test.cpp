// The provisioner's pieces with logic: command lines, redis.conf, passwords, ports, binary
// look-up, pid files.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "provision/child_process.hpp"
#include "provision/commands.hpp"
#include "provision/ports.hpp"
#include "provision/secrets.hpp"
#include "support/process.hpp"
#include "throome/provision/provisioner.hpp"

namespace throome::provision {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void make_executable(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "#!/bin/sh\nexit 0\n";
  ::chmod(p.c_str(), 0755);
}

TEST(Secrets, GeneratedPasswordsAreLongAlphanumericAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto p = detail::generate_password();
    ASSERT_EQ(p.size(), 32u);
    EXPECT_TRUE(std::all_of(p.begin(), p.end(), [](char c) { return std::isalnum(c) != 0; })) << p;
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(detail::generate_password(12).size(), 12u);
}

TEST(Secrets, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(detail::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(detail::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RedisConfig, LoopbackPersistentAndPasswordHashed) {
  detail::RedisSettings s{"/state/shop/cache", 6390, "", "s3cret"};
  const auto conf = detail::redis_config(s);
  EXPECT_NE(conf.find("bind 127.0.0.1\n"), std::string::npos);
  EXPECT_NE(conf.find("port 6390\n"), std::string::npos);
  EXPECT_NE(conf.find("daemonize no\n"), std::string::npos);
  EXPECT_NE(conf.find("appendonly yes\n"), std::string::npos);
  EXPECT_NE(conf.find("dir \"/state/shop/cache\"\n"), std::string::npos);
  EXPECT_NE(conf.find("user \"default\" on #" + detail::sha256_hex("s3cret") + " ~* &* +@all\n"),
            std::string::npos);
  EXPECT_EQ(conf.find("s3cret"), std::string::npos) << "the clear-text password is never written";
  EXPECT_EQ(conf.find("user default off"), std::string::npos);
}

TEST(RedisConfig, NamedUserDisablesTheDefaultOne) {
  const auto conf = detail::redis_config({"/d", 1, "app", "pw"});
  EXPECT_NE(conf.find("user default off\n"), std::string::npos);
  EXPECT_NE(conf.find("user \"app\" on #" + detail::sha256_hex("pw")), std::string::npos);
}

TEST(RedisConfig, NoPasswordMeansNopass) {
  const auto conf = detail::redis_config({"/d", 1, "", ""});
  EXPECT_NE(conf.find("user \"default\" on nopass ~* &* +@all"), std::string::npos);
}

TEST(RedisConfig, QuotesEscapeSpecialCharacters) {
  EXPECT_EQ(detail::redis_quote("a b"), "\"a b\"");
  EXPECT_EQ(detail::redis_quote("q\"\\"), "\"q\\\"\\\\\"");
  EXPECT_EQ(detail::redis_quote(std::string("x\ny", 3)), "\"x\\x0ay\"");
}

TEST(PostgresCommands, InitdbAndPostmasterArguments) {
  const auto init = detail::initdb_argv("/pg/bin", "/s/c/db/data");
  ASSERT_FALSE(init.empty());
  EXPECT_EQ(init[0], "/pg/bin/initdb");
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(has(init, "/s/c/db/data"));
  EXPECT_TRUE(has(init, "--auth-local=trust"));
  EXPECT_TRUE(has(init, "--auth-host=scram-sha-256"));

  const auto pm = detail::postgres_argv("/pg/bin", "/s/c/db/data", 5499);
  EXPECT_EQ(pm[0], "/pg/bin/postgres");
  EXPECT_TRUE(has(pm, "5499"));
  EXPECT_TRUE(has(pm, "listen_addresses=127.0.0.1"));
  EXPECT_TRUE(has(pm, "unix_socket_directories=/s/c/db/data"));
  EXPECT_EQ(detail::postgres_socket_path("/s/d", 5499), fs::path("/s/d/.s.PGSQL.5499"));
}

TEST(Setpriv, SwitchesUserThenSetsTheDeathSignal) {
  const auto argv =
      detail::with_setpriv("/usr/bin/setpriv", "postgres", "INT", {"/bin/postgres", "-D", "x"});
  const std::vector<std::string> expected{"/usr/bin/setpriv",
                                          "--reuid=postgres",
                                          "--regid=postgres",
                                          "--init-groups",
                                          "--pdeathsig",
                                          "INT",
                                          "--",
                                          "/bin/postgres",
                                          "-D",
                                          "x"};
  EXPECT_EQ(argv, expected);
  const auto plain = detail::with_setpriv("/usr/bin/setpriv", "", "TERM", {"/bin/redis-server"});
  const std::vector<std::string> expected_plain{"/usr/bin/setpriv", "--pdeathsig", "TERM", "--",
                                                "/bin/redis-server"};
  EXPECT_EQ(plain, expected_plain);
}

TEST(FindExecutable, SearchesPathInOrderAndAcceptsPaths) {
  TempDir dir;
  make_executable(dir.path() / "b" / "tool");
  make_executable(dir.path() / "c" / "tool");
  std::ofstream(dir.path() / "a" / "tool");  // a missing dir entry: "a" does not exist
  const std::string path = (dir.path() / "a").string() + "::" + (dir.path() / "b").string() + ":" +
                           (dir.path() / "c").string();
  EXPECT_EQ(detail::find_executable("tool", path), dir.path() / "b" / "tool");
  EXPECT_EQ(detail::find_executable("nope", path), std::nullopt);
  EXPECT_EQ(detail::find_executable((dir.path() / "c" / "tool").string(), ""),
            dir.path() / "c" / "tool");
  EXPECT_EQ(detail::find_executable("/nonexistent/redis-server", path), std::nullopt);
  // Not executable: skipped.
  std::ofstream(dir.path() / "c" / "data") << "x";
  EXPECT_EQ(detail::find_executable("data", (dir.path() / "c").string()), std::nullopt);
}

TEST(FindPostgres, ConfiguredDirThenPathThenNewestDebianVersion) {
  TempDir dir;
  const auto root = dir.path() / "usr-lib-postgresql";
  for (const char* v : {"13", "15", "9"}) {
    make_executable(root / v / "bin" / "initdb");
    make_executable(root / v / "bin" / "postgres");
  }
  make_executable(root / "16" / "bin" / "initdb");  // incomplete: no postgres binary
  EXPECT_EQ(detail::find_postgres_bin_dir("", "/nonexistent", root), root / "15" / "bin");

  const auto on_path = dir.path() / "custom";
  make_executable(on_path / "initdb");
  make_executable(on_path / "postgres");
  EXPECT_EQ(detail::find_postgres_bin_dir("", on_path.string(), root), on_path);
  EXPECT_EQ(detail::find_postgres_bin_dir((root / "13" / "bin").string(), on_path.string(), root),
            root / "13" / "bin");
  EXPECT_EQ(detail::find_postgres_bin_dir("/nonexistent", on_path.string(), root), std::nullopt);
  EXPECT_EQ(detail::find_postgres_bin_dir("", "", dir.path() / "none"), std::nullopt);
}

TEST(Ports, PickedPortIsFreeAndAListenerMakesItBusy) {
  const auto port = detail::pick_free_port();
  ASSERT_TRUE(port.has_value());
  EXPECT_GT(*port, 0);
  EXPECT_FALSE(detail::port_in_use(*port));
  EXPECT_FALSE(detail::port_accepts(*port));

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(*port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  EXPECT_TRUE(detail::port_in_use(*port));
  EXPECT_TRUE(detail::port_accepts(*port));
  ::close(fd);
  EXPECT_FALSE(detail::port_in_use(*port));
}

TEST(PidFiles, RoundTripAndLiveness) {
  TempDir dir;
  const auto file = dir.path() / "throome.pid";
  const auto self = detail::process_start_time(::getpid());
  ASSERT_TRUE(self.has_value());
  ASSERT_TRUE(detail::write_pid_file(file, {::getpid(), *self}));
  const auto read = detail::read_pid_file(file);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->pid, ::getpid());
  EXPECT_EQ(read->start_time, *self);
  EXPECT_TRUE(detail::is_alive(*read));
  // Same PID, another start time: a reused PID is not "our" process.
  EXPECT_FALSE(detail::is_alive({::getpid(), *self + 1}));
  std::ofstream(file) << "garbage\n";
  EXPECT_FALSE(detail::read_pid_file(file).has_value());
  EXPECT_FALSE(detail::read_pid_file(dir.path() / "missing").has_value());
}

TEST(Children, SpawnedInOwnGroupAndStoppedBySignal) {
  TempDir dir;
  Spawner spawner;
  std::string error;
  const auto log = dir.path() / "child.log";
  auto start = [&] {
    return detail::spawn_process({"/bin/sh", "-c", "echo started; exec sleep 60"}, log, error);
  };
  const pid_t pid = spawner.run(start);
  ASSERT_GT(pid, 0) << error;
  EXPECT_EQ(::getpgid(pid), pid) << "own process group";
  const auto started = detail::process_start_time(pid);
  ASSERT_TRUE(started.has_value());
  // The child writes its line on its own schedule: wait for it (polling, with a deadline).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (detail::log_tail(log) != "started" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(detail::log_tail(log), "started");
  EXPECT_TRUE(detail::stop_process({pid, *started}, SIGTERM, std::chrono::seconds(5), true));
  EXPECT_FALSE(detail::process_start_time(pid).has_value());

  EXPECT_EQ(detail::run_to_completion(spawner, {"/bin/sh", "-c", "echo out; exit 3"}, log, error),
            3);
  EXPECT_EQ(detail::log_tail(log, 1), "out");
  EXPECT_EQ(detail::run_to_completion(spawner, {"/nonexistent/bin"}, log, error), -1);
  EXPECT_NE(error.find("/nonexistent/bin"), std::string::npos);
}

TEST(LogTail, KeepsTheLastLines) {
  TempDir dir;
  const auto file = dir.path() / "x.log";
  {
    std::ofstream out(file);
    for (int i = 1; i <= 30; ++i) out << "line " << i << "\n";
  }
  const auto tail = detail::log_tail(file, 3);
  EXPECT_EQ(tail, "line 28\nline 29\nline 30");
  EXPECT_EQ(detail::log_since(file, detail::file_size_or_zero(file)), "");
  EXPECT_EQ(detail::log_tail(dir.path() / "missing"), "");
}

TEST(Provisioned, DetectsProvisionFlag) {
  config::ClusterConfig c;
  c.services.push_back({});
  EXPECT_FALSE(has_provisioned_services(c));
  c.services.back().provision = true;
  EXPECT_TRUE(has_provisioned_services(c));
}

}  // namespace
}  // namespace throome::provision
