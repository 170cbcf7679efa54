#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace throome::testing {

/// A private PostgreSQL 15 server: initdb into a temp dir, listening only on 127.0.0.1 and a
/// free port, its unix socket in the same temp dir. As root, initdb and postgres run as the
/// `postgres` user (through setpriv, so the recorded PID is the postmaster's). TCP logins
/// need the password (scram-sha-256); the unix socket trusts, for the psql peer. Start it
/// once per test binary (a shared fixture); it is stopped by PID on destruction.
class PostgresServer {
 public:
  static constexpr const char* kUser = "postgres";
  static constexpr const char* kPassword = "throome-test-pw";
  static constexpr const char* kDatabase = "postgres";

  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  /// Stops the server (fast shutdown: SIGINT; SIGKILL after 30 s), keeping data and port.
  void stop();
  /// Starts again on the same port and data directory; returns once it accepts queries.
  void start();

  /// Runs `sql` with psql over the unix socket (an independent client).
  /// @return psql's unaligned, tuples-only output without the trailing newline.
  /// @throws std::runtime_error when psql fails.
  std::string psql(const std::string& sql, const std::string& database = kDatabase) const;
  /// Like psql() but returns the result instead of throwing.
  CommandResult psql_result(const std::string& sql, const std::string& database = kDatabase) const;

  /// The server's log so far (for failure messages).
  std::string log() const;

 private:
  bool try_start();
  std::vector<std::string> as_postgres(std::vector<std::string> argv) const;

  TempDir dir_;
  std::filesystem::path base_;  // where data/ and the socket live (traversable by postgres)
  std::filesystem::path data_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool as_root_ = false;
};

}  // namespace throome::testing
