#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/servers.hpp"

extern char** environ;

namespace throome::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

std::string bin(const char* name) { return std::string(kBinDir) + "/" + name; }

// True when every directory above `dir` can be traversed by other users (the postgres user
// must reach its data directory).
bool traversable(const fs::path& dir) {
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (p == p.root_path()) break;
  }
  return true;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

PostgresServer::PostgresServer() : as_root_(::geteuid() == 0) {
  base_ = dir_.path();
  if (as_root_ && !traversable(base_)) {
    // $TMPDIR sits below a private directory: use a folder under /tmp (sticky, traversable).
    char tmpl[] = "/tmp/throome-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp /tmp/throome-pg-XXXXXX");
    base_ = fs::path(tmpl);
    ::chmod(base_.c_str(), 0755);
  }
  data_ = base_ / "data";
  const auto pwfile = base_ / "pwfile";
  std::ofstream(pwfile) << kPassword << "\n";
  if (as_root_) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("no postgres user (install postgresql)");
    if (::chown(base_.c_str(), pw->pw_uid, pw->pw_gid) != 0 ||
        ::chown(pwfile.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("chown " + base_.string() + ": " + std::strerror(errno));
    }
  }
  auto init = run_command(
      as_postgres({bin("initdb"), "-D", data_.string(), "-U", kUser, "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--pwfile=" + pwfile.string(), "-E", "UTF8",
                   "--locale=C", "--no-sync", "--no-instructions"}));
  if (init.exit_code != 0) {
    throw std::runtime_error("initdb failed (" + std::to_string(init.exit_code) + "):\n" +
                             init.out + init.err);
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (try_start()) return;
  }
  throw std::runtime_error("postgres did not start:\n" + log());
}

PostgresServer::~PostgresServer() {
  stop();
  if (base_ != dir_.path()) {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
}

std::vector<std::string> PostgresServer::as_postgres(std::vector<std::string> argv) const {
  if (!as_root_) return argv;
  // setpriv execs the command: the PID we record is the server's own.
  std::vector<std::string> out{"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool PostgresServer::try_start() {
  pid_ = spawn_logged(as_postgres({bin("postgres"),
                                   "-D",
                                   data_.string(),
                                   "-p",
                                   std::to_string(port_),
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "unix_socket_directories=" + base_.string(),
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "synchronous_commit=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "max_connections=200",
                                   "-c",
                                   "shared_buffers=64MB",
                                   "-c",
                                   "log_min_messages=warning",
                                   "-c",
                                   "TimeZone=UTC"}),
                      (base_ / "postgres.log").string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;  // most likely the port was taken meanwhile
    }
    if (wait_for_port(port_, std::chrono::milliseconds(20)) &&
        psql_result("SELECT 1").exit_code == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
  }
  stop();
  return false;
}

void PostgresServer::stop() {
  stop_process(pid_, SIGINT, std::chrono::seconds(30));  // fast shutdown: sessions terminated
  pid_ = -1;
}

void PostgresServer::start() {
  if (pid_ > 0) return;
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (try_start()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("postgres did not restart on port " + std::to_string(port_) + ":\n" +
                           log());
}

CommandResult PostgresServer::psql_result(const std::string& sql,
                                          const std::string& database) const {
  return run_command({"psql", "-h", base_.string(), "-p", std::to_string(port_), "-U", kUser, "-d",
                      database, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql},
                     {{"PGCONNECT_TIMEOUT", "5"}});
}

std::string PostgresServer::psql(const std::string& sql, const std::string& database) const {
  auto r = psql_result(sql, database);
  if (r.exit_code != 0) {
    throw std::runtime_error("psql failed (" + std::to_string(r.exit_code) + ") for: " + sql +
                             "\n" + r.err);
  }
  if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

std::string PostgresServer::log() const { return read_text(base_ / "postgres.log"); }

}  // namespace throome::testing
