#pragma once

// One libpq connection: runs statements through the extended protocol with per-connection
// prepared statements (LRU), streams rows in single-row mode so at most max_rows are kept, and
// turns every outcome into a Result. Used either by one worker thread at a time (blocking
// mode), or by one IO thread in non-blocking pipeline mode (see PipelineConnection), which
// uses the same statement cache, binding and decoding. Private to the Postgres adapter.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/postgres/values.hpp"
#include "throome/adapters/postgres/client.hpp"

namespace throome::postgres::detail {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

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

/// A statement prepared on one connection: what binding and decoding need.
struct Prepared {
  std::string name;  // "" = the unnamed statement (cache disabled)
  std::vector<Oid> param_types;
  std::vector<Column> columns;
  std::vector<TypeDesc> column_types;
  std::vector<std::optional<TypeDesc>> element_types;  // per column, for arrays
  bool returns_rows = false;
};

/// The results of one statement as they arrive (rows one by one in single-row mode, then the
/// command tag or an error): fed by Connection::absorb, concluded by Connection::conclude.
struct Collect {
  Collect(std::shared_ptr<const Prepared> p, const ExecOptions& o);
  std::shared_ptr<const Prepared> prepared;
  const ExecOptions* options;
  StatementResult out;
  std::size_t bytes = 0;
  std::optional<Error> error;
  bool copy_both = false;  // the connection entered COPY BOTH: it is lost
};

using Params = std::vector<std::optional<std::string>>;

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

  // --- Shared by both modes.
  /// The parameters of `statement` as text for `prepared`'s parameter types.
  Result<Params> bind(const Prepared& prepared, const Statement& statement);
  /// Sends Bind/Execute of a prepared statement (no Sync). False (and broken) on failure.
  bool send(const Prepared& prepared, const Params& params);
  /// Feeds one result of a statement to `c` (rows, command tag, error).
  void absorb(Collect& c, const PGresult* result);
  /// The statement's outcome once all its results were absorbed.
  Result<StatementResult> conclude(Collect& c);
  /// Drops the cached statement for `sql` (only if it is still `name`, when given).
  void forget(const std::string& sql, bool exists_on_server, const std::string* name = nullptr);
  /// 1: a cached plan whose result type changed; 2: a prepared statement gone; else 0.
  static int stale_statement(const Error& e);
  Error failure(const PGresult* result) const;
  Error lost(std::string_view what) const;

  // --- Non-blocking pipeline mode (one IO thread).
  /// Switches to non-blocking pipeline mode. False when libpq refuses.
  bool enter_pipeline();
  /// Back to blocking mode; only when every result was read. False when libpq refuses.
  bool leave_pipeline();
  PGconn* native() const { return conn_; }
  /// The cached statement for `sql` (most recently used now), or null.
  std::shared_ptr<const Prepared> cached(const std::string& sql);
  /// Makes room for one more statement (evictions join the deallocation list) and names it.
  std::string reserve_name();
  /// Statement names evicted but still to DEALLOCATE on the server.
  std::vector<std::string> take_deallocations();
  /// A statement prepared on the server but not cached: DEALLOCATE it with the next evictions.
  void deallocate_later(std::string name) { to_deallocate_.push_back(std::move(name)); }
  /// True when every type of a Describe result is known (no catalog query needed).
  bool knows_types(const PGresult* describe) const;
  /// Caches `sql` as statement `name` from its Describe result (types must be known).
  std::shared_ptr<const Prepared> adopt(const std::string& sql, const std::string& name,
                                        const PGresult* describe);
  std::int64_t timeout_ms() const { return timeout_ms_; }
  void timeout_is(std::int64_t ms) { timeout_ms_ = ms; }
  void mark_broken() { broken_ = true; }

  const std::shared_ptr<Canceller>& canceller() const { return canceller_; }
  std::chrono::steady_clock::time_point created_at() const { return created_at_; }
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }
  void touch() { last_used_ = std::chrono::steady_clock::now(); }
  /// Prepared statements currently cached (for tests).
  std::size_t cached_statements() const { return lru_.size(); }

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<const Prepared>>>;

  Connection(PGconn* conn, const ConnectionSettings& settings, TypeCache& types);

  Result<std::shared_ptr<const Prepared>> prepared(const std::string& sql, bool in_transaction);
  Result<std::shared_ptr<const Prepared>> prepare(const std::string& sql, const std::string& name,
                                                  bool in_transaction);
  void resolve_types(const std::vector<Oid>& oids);
  std::shared_ptr<const Prepared> from_describe(const std::string& name, const PGresult* describe);
  void evict_for_one_more();
  void forget_all();
  Result<StatementResult> collect(const Prepared& prepared, const ExecOptions& options);
  Result<StatementResult> execute(const Prepared& prepared, const Params& params,
                                  const ExecOptions& options);
  void note_command(std::string_view tag);

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
  bool pipeline_ = false;                   // non-blocking pipeline mode (an IO thread drives)
};

/// The Errc for a PostgreSQL SQLSTATE: connection classes -> backend_unavailable, 57014 ->
/// timeout, everything else -> backend_error.
Errc errc_for_sqlstate(std::string_view sqlstate);

/// "INSERT 0 5" -> "INSERT"; "CREATE TABLE" -> "CREATE TABLE".
std::string command_verb(std::string_view tag);

}  // namespace throome::postgres::detail
