#pragma once

// One libpq connection, used by one worker thread at a time (never by an IO thread): runs
// statements through the extended protocol with per-connection prepared statements (LRU),
// streams rows in single-row mode so at most max_rows are kept, and turns every outcome into
// a Result. Private to the Postgres adapter.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/postgres/values.hpp"
#include "throome/adapters/postgres/client.hpp"

namespace throome::postgres::detail {

/// Cancels the query running on a connection, from any thread (PQcancel is thread-safe and
/// needs only the key the server sent at connect).
class Canceller {
 public:
  explicit Canceller(PGconn* conn) : cancel_(PQgetCancel(conn)) {}
  ~Canceller() {
    if (cancel_ != nullptr) PQfreeCancel(cancel_);
  }
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;
  /// Asks the server to cancel; blocks for one short TCP exchange. @return true when sent.
  bool cancel() const;

 private:
  PGcancel* cancel_;
};

/// Connection parameters and per-connection behaviour.
struct ConnectionSettings {
  std::vector<std::pair<std::string, std::string>> params;  // libpq keywords and values
  std::size_t statement_cache_size = 256;
  std::chrono::milliseconds default_timeout{5'000};  // statement_timeout set at connect
  std::string endpoint;                              // "host:port", for messages
};

class Connection {
 public:
  /// Connects (blocking, bounded by connect_timeout).
  /// @return the connection, or Errc::backend_unavailable with details {"phase": "connect"}.
  static Result<std::unique_ptr<Connection>> open(const ConnectionSettings& settings,
                                                  TypeCache& types);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Checks an idle connection without blocking: false when the server closed it (restart,
  /// pg_terminate_backend, idle timeout) or it broke.
  bool usable();
  /// True once an operation found the connection broken: it must be closed.
  bool broken() const;
  /// True when a transaction block is open (or failed) on the server.
  bool in_transaction() const;

  /// Makes statement_timeout `timeout` (a SET only when it differs from the current value).
  Result<void> set_timeout(std::chrono::milliseconds timeout);
  /// Runs a command without parameters or rows (BEGIN, COMMIT, ROLLBACK, SET).
  Result<void> command(const std::string& sql);
  /// Runs one statement. `in_transaction`: inside BEGIN ... COMMIT (no transparent re-prepare).
  Result<StatementResult> run(const Statement& statement, const ExecOptions& options,
                              bool in_transaction);

  /// Runs independent statements outside any transaction in one pipeline (each with its own
  /// Sync: its own implicit transaction, so one failing does not affect the others). Calls
  /// `done(i, result)` exactly once per statement.
  void run_pipelined(const std::vector<const Statement*>& statements,
                     const std::vector<const ExecOptions*>& options,
                     const std::function<void(std::size_t, Result<StatementResult>)>& done);

  const std::shared_ptr<Canceller>& canceller() const { return canceller_; }
  std::chrono::steady_clock::time_point created_at() const { return created_at_; }
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }
  void touch() { last_used_ = std::chrono::steady_clock::now(); }
  /// Prepared statements currently cached (for tests).
  std::size_t cached_statements() const { return lru_.size(); }

 private:
  struct Prepared {
    std::string name;  // "" = the unnamed statement (cache disabled)
    std::vector<Oid> param_types;
    std::vector<Column> columns;
    std::vector<TypeDesc> column_types;
    std::vector<std::optional<TypeDesc>> element_types;  // per column, for arrays
    bool returns_rows = false;
  };
  using Lru = std::list<std::pair<std::string, Prepared>>;

  Connection(PGconn* conn, const ConnectionSettings& settings, TypeCache& types);

  Result<const Prepared*> prepared(const std::string& sql, bool in_transaction);
  Result<Prepared> prepare(const std::string& sql, const std::string& name, bool in_transaction);
  void resolve_types(const std::vector<Oid>& oids);
  void forget(const std::string& sql, bool exists_on_server);
  void forget_all();
  Result<std::vector<std::optional<std::string>>> bind(const Prepared& prepared,
                                                       const Statement& statement);
  bool send(const Prepared& prepared, const std::vector<std::optional<std::string>>& params);
  Result<StatementResult> collect(const Prepared& prepared, const ExecOptions& options);
  Result<StatementResult> execute(const Prepared& prepared,
                                  const std::vector<std::optional<std::string>>& params,
                                  const ExecOptions& options);
  /// 1: a cached plan whose result type changed; 2: a prepared statement gone; else 0.
  static int stale_statement(const Error& e);
  void note_command(std::string_view tag);
  Error failure(const PGresult* result) const;
  Error lost(std::string_view what) const;

  PGconn* conn_;
  TypeCache& types_;
  std::size_t cache_size_;
  std::string endpoint_;
  std::shared_ptr<Canceller> canceller_;
  std::chrono::steady_clock::time_point created_at_;
  std::chrono::steady_clock::time_point last_used_;
  std::int64_t timeout_ms_ = -1;  // statement_timeout on the server; -1 = unknown
  bool broken_ = false;
  std::uint64_t next_name_ = 0;
  Lru lru_;  // most recently used first
  std::unordered_map<std::string_view, Lru::iterator> index_;
  std::vector<std::string> to_deallocate_;  // evicted while in a transaction
};

/// The Errc for a PostgreSQL SQLSTATE: connection classes -> backend_unavailable, 57014 ->
/// timeout, everything else -> backend_error.
Errc errc_for_sqlstate(std::string_view sqlstate);

/// "INSERT 0 5" -> "INSERT"; "CREATE TABLE" -> "CREATE TABLE".
std::string command_verb(std::string_view tag);

}  // namespace throome::postgres::detail
