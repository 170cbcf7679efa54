#include <libpq-fe.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "provision/child_server.hpp"
#include "provision/commands.hpp"
#include "provision/ports.hpp"

namespace throome::provision {
namespace fs = std::filesystem;
namespace {

using Conn = std::unique_ptr<PGconn, void (*)(PGconn*)>;
using Res = std::unique_ptr<PGresult, void (*)(PGresult*)>;

Conn connect(const std::vector<std::pair<const char*, std::string>>& params) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    keys.push_back(k);
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  return Conn(PQconnectdbParams(keys.data(), values.data(), 0), &PQfinish);
}

std::string first_line(const char* text) {
  std::string s = text != nullptr ? text : "";
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// Runs `sql` with text parameters. @return the result, or the server's message in `error`.
Res exec(PGconn* c, const std::string& sql, const std::vector<std::string>& params,
         std::string& error) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  Res r(PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                     nullptr, nullptr, 0),
        &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    error = first_line(PQresultErrorMessage(r.get()));
  }
  return r;
}

std::string quoted_identifier(PGconn* c, const std::string& name) {
  char* q = PQescapeIdentifier(c, name.c_str(), name.size());
  std::string out = q != nullptr ? q : "";
  PQfreemem(q);
  return out;
}

std::string quoted_literal(PGconn* c, const std::string& text) {
  char* q = PQescapeLiteral(c, text.c_str(), text.size());
  std::string out = q != nullptr ? q : "";
  PQfreemem(q);
  return out;
}

// As the superuser over the Unix socket: the configured role (LOGIN, its password as a SCRAM
// verifier computed here, so the clear text never reaches the server or its logs) and the
// configured database owned by it, created when missing.
Result<void> ensure_role_and_database(PGconn* c, const ServiceSpec& spec) {
  std::string error;
  char* verifier =
      PQencryptPasswordConn(c, spec.password.c_str(), spec.username.c_str(), "scram-sha-256");
  if (verifier == nullptr) {
    return Error(Errc::internal, "cannot hash the password: " + first_line(PQerrorMessage(c)));
  }
  const std::string password = quoted_literal(c, verifier);
  PQfreemem(verifier);
  const std::string role = quoted_identifier(c, spec.username);
  auto exists = exec(c, "SELECT 1 FROM pg_roles WHERE rolname = $1", {spec.username}, error);
  if (!error.empty()) return Error(Errc::backend_error, error);
  const bool have_role = PQntuples(exists.get()) > 0;
  const std::string sql =
      (have_role ? "ALTER ROLE " : "CREATE ROLE ") + role + " WITH LOGIN PASSWORD " + password;
  exec(c, sql, {}, error);
  if (!error.empty()) return Error(Errc::backend_error, "creating role: " + error);
  auto db = exec(c, "SELECT 1 FROM pg_database WHERE datname = $1", {spec.database}, error);
  if (!error.empty()) return Error(Errc::backend_error, error);
  if (PQntuples(db.get()) == 0) {
    exec(c, "CREATE DATABASE " + quoted_identifier(c, spec.database) + " OWNER " + role, {}, error);
    if (!error.empty()) return Error(Errc::backend_error, "creating database: " + error);
  }
  return {};
}

// @return false when a parent of `dir` cannot be traversed by other users (the postgres
// account must reach its data directory); `blocking` names the first such parent.
bool traversable_by_others(const fs::path& dir, fs::path& blocking) {
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
      blocking = p;
      return false;
    }
    if (p == p.root_path()) break;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<LocalServer>> start_postgres(const StartContext& ctx,
                                                    const ServiceSpec& spec) {
  const auto bin_dir = detail::find_postgres_bin_dir(ctx.options.postgres_bin_dir, ctx.path_var);
  if (!bin_dir) {
    const std::string where = ctx.options.postgres_bin_dir.empty()
                                  ? "on PATH or in /usr/lib/postgresql/<version>/bin"
                                  : "in " + ctx.options.postgres_bin_dir;
    return Error(Errc::internal,
                 "cannot provision service \"" + spec.name +
                     "\": PostgreSQL server binaries (initdb, postgres) not found " + where +
                     "; install the Debian package postgresql (apt-get install postgresql)",
                 {{"service", spec.name}, {"package", "postgresql"}});
  }
  const auto setpriv = detail::find_executable("setpriv", ctx.path_var + ":/usr/bin:/bin");
  if (!setpriv) {
    return Error(Errc::internal, "setpriv not found; install the Debian package util-linux",
                 {{"package", "util-linux"}});
  }
  // initdb and postgres refuse to run as root: as root, they run as the postgres account.
  const bool as_root = ::geteuid() == 0;
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  if (as_root) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      return Error(Errc::internal,
                   "cannot provision service \"" + spec.name +
                       "\": the daemon runs as root and there is no postgres account to run "
                       "PostgreSQL as; install the Debian package postgresql",
                   {{"service", spec.name}, {"package", "postgresql"}});
    }
    user = "postgres";
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  if (spec.port != 0 && detail::port_in_use(spec.port)) {
    // Before a possibly long initdb: the port asked for is taken.
    return Error(Errc::backend_unavailable,
                 "provisioning service \"" + spec.name + "\" of cluster \"" + spec.cluster_id +
                     "\" failed: port " + std::to_string(spec.port) +
                     " on 127.0.0.1 is in use by another process",
                 {{"service", spec.name}, {"port", spec.port}});
  }
  const fs::path data = spec.dir / "data";
  std::error_code ec;
  fs::create_directories(spec.dir, ec);
  if (ec) {
    return Error(Errc::internal, "cannot create " + spec.dir.string() + ": " + ec.message());
  }
  // As root the service directory is traversable (not listable) so the postgres account
  // reaches data/, which it owns (0700). Logs and the pid file stay root's.
  ::chmod(spec.dir.c_str(), as_root ? 0711 : 0700);
  if (as_root) ::chmod(spec.dir.parent_path().c_str(), 0711);  // <state_dir>/<cluster>
  if (as_root) {
    fs::path blocking;
    if (!traversable_by_others(spec.dir, blocking)) {
      return Error(Errc::validation_failed,
                   "cannot provision service \"" + spec.name +
                       "\": the postgres account cannot "
                       "reach " +
                       spec.dir.string() + " because " + blocking.string() +
                       " is not traversable by other users; run chmod o+x on it or set "
                       "gateway.state_dir (THROOME_STATE_DIR) to a directory below one that is",
                   {{"service", spec.name}, {"directory", blocking.string()}});
    }
  }
  const auto socket_probe = detail::postgres_socket_path(data, 65535);
  if (socket_probe.string().size() > detail::kMaxSocketPath) {
    return Error(Errc::validation_failed,
                 "cannot provision service \"" + spec.name + "\": the data directory path " +
                     data.string() + " is too long for PostgreSQL's Unix socket (at most " +
                     std::to_string(detail::kMaxSocketPath) +
                     " bytes); set a shorter gateway.state_dir",
                 {{"service", spec.name}});
  }

  const fs::path initdb_log = spec.dir / "initdb.log";
  if (!fs::exists(data / "PG_VERSION", ec)) {
    fs::remove_all(data, ec);  // a half-initialised directory from an interrupted initdb
    fs::create_directories(data, ec);
    ::chmod(data.c_str(), 0700);
    if (as_root && ::chown(data.c_str(), uid, gid) != 0) {
      return Error(Errc::internal, "cannot give " + data.string() + " to the postgres account");
    }
    spdlog::info("provision: initdb for {}/{} in {}", spec.cluster_id, spec.name, data.string());
    std::string error;
    const int rc = detail::run_to_completion(
        ctx.spawner,
        detail::with_setpriv(setpriv->string(), user, "KILL", detail::initdb_argv(*bin_dir, data)),
        initdb_log, error);
    if (rc != 0) {
      fs::remove_all(data, ec);
      return start_failure(spec, "initdb",
                           rc < 0 ? error : "failed (exit code " + std::to_string(rc) + ")",
                           initdb_log);
    }
  }

  LaunchPlan plan;
  plan.what = "postgres";
  plan.package = "postgresql";
  plan.log_file = spec.dir / "postgres.log";
  plan.pid_file = spec.dir / "throome.pid";
  plan.stop_signal = SIGINT;  // fast shutdown: sessions are closed, data is flushed
  plan.port_taken_marker = "Address already in use";
  plan.argv_for = [&](int port) {
    return detail::with_setpriv(setpriv->string(), user, "INT",
                                detail::postgres_argv(*bin_dir, data, port));
  };
  plan.prepare = [](int) -> Result<void> { return {}; };
  bool set_up = false;
  plan.probe = [&](int port, std::string& last_error) -> Result<bool> {
    if (!set_up) {
      auto admin = connect({{"host", data.string()},
                            {"port", std::to_string(port)},
                            {"user", "postgres"},
                            {"dbname", "postgres"},
                            {"connect_timeout", "2"}});
      if (PQstatus(admin.get()) != CONNECTION_OK) {
        last_error = first_line(PQerrorMessage(admin.get()));
        return false;
      }
      if (auto ok = ensure_role_and_database(admin.get(), spec); !ok) {
        return start_failure(spec, "postgres", ok.error().message(), plan.log_file);
      }
      set_up = true;
    }
    // What the gateway will do: TCP, the configured role, password and database.
    auto conn = connect({{"host", "127.0.0.1"},
                         {"port", std::to_string(port)},
                         {"user", spec.username},
                         {"password", spec.password},
                         {"dbname", spec.database},
                         {"connect_timeout", "2"}});
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      last_error = first_line(PQerrorMessage(conn.get()));
      return false;
    }
    std::string error;
    exec(conn.get(), "SELECT 1", {}, error);
    if (!error.empty()) {
      last_error = error;
      return false;
    }
    return true;
  };
  return launch(ctx, spec, plan);
}

}  // namespace throome::provision
