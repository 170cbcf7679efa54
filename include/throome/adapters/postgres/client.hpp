#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "throome/common/error.hpp"

namespace throome {
class IoPool;
}

namespace throome::postgres {

/// Where and how to connect to one PostgreSQL backend, and how its pool behaves.
struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user;                 // empty: libpq's default (the OS user)
  std::string password;             // never logged
  std::string database;             // empty: same as the user
  std::string sslmode = "disable";  // libpq sslmode
  std::string sslrootcert, sslcert, sslkey;
  std::size_t min_connections = 1;          // kept open (and re-opened) in the background
  std::size_t max_connections = 10;         // lent to IO threads or used by as many workers
  std::chrono::seconds max_idle_time{300};  // an idle connection above the minimum is closed
  std::chrono::seconds max_lifetime{3600};  // a connection is closed after this age (0 = never)
  std::chrono::milliseconds wait_timeout{5'000};  // longest wait for a free connection
  std::size_t max_waiting = 1'024;         // requests waiting for a connection; beyond: overloaded
  std::size_t statement_cache_size = 256;  // prepared statements kept per connection (LRU)
  // Calls in flight at once on a connection lent to an IO thread (more wait on that thread for
  // the first connection that answers); 0: no pipelines, every call runs on a worker thread.
  std::size_t pipeline_depth = 4;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds default_timeout{5'000};  // statement_timeout unless a call says
  std::string application_name = "throome";
  std::string name;  // for logs, e.g. "shop/db"
};

/// One SQL statement and its parameters ($1, $2, ...), bound as real parameters, never
/// spliced into the text. JSON null is SQL NULL; booleans, numbers and strings bind as their
/// text; objects bind as JSON text; arrays bind as a PostgreSQL array when the parameter is
/// an array type, else as JSON text.
struct Statement {
  std::string sql;
  std::vector<nlohmann::json> args;
};

enum class RowFormat { objects, arrays };

/// How one call runs.
struct ExecOptions {
  std::chrono::milliseconds timeout{5'000};  // statement_timeout; 504 on expiry
  std::size_t max_rows = 10'000;             // rows kept per statement; the rest is dropped
  std::size_t max_bytes = 64u << 20;         // value bytes kept per statement; likewise
  RowFormat format = RowFormat::objects;
};

enum class Isolation { default_level, read_committed, repeatable_read, serializable };

struct TransactionOptions {
  Isolation isolation = Isolation::default_level;
  bool read_only = false;
};

/// A result column: its name, its type name ("int4", "text[]", ...) and type OID.
struct Column {
  std::string name;
  std::string type;
  std::uint32_t oid = 0;
  std::string key;  // the key of this column in object rows (differs from name for duplicates)
};

/// The outcome of one statement. Values are typed JSON (see docs/configuration.md and the db
/// API in docs/openapi.yaml): int2/int4 numbers, int8 a number within ±2^53 else a string,
/// numeric a string, float NaN/Infinity as strings, bytea base64, json embedded, date/time
/// ISO 8601, arrays JSON arrays, NULL null.
struct StatementResult {
  std::string command;             // the command tag's verb: "SELECT", "INSERT", ...
  std::int64_t rows_affected = 0;  // from the command tag (rows returned for SELECT)
  bool returns_rows = false;       // the statement has a result row description
  std::vector<Column> columns;
  nlohmann::json rows = nlohmann::json::array();  // objects or arrays (ExecOptions::format)
  bool truncated = false;  // more rows (or bytes) than allowed; the rest was read and dropped
};

/// Pool counters, for tests and monitoring.
struct PoolStats {
  std::size_t open = 0;     // connections open or being opened
  std::size_t idle = 0;     // open and free
  std::size_t running = 0;  // calls holding a connection
  std::size_t waiting = 0;  // calls waiting for a connection
};

/// A PostgreSQL backend: a bounded pool of libpq connections, so the caller's IO thread never
/// blocks. Single statements run on connections in non-blocking pipeline mode driven by the
/// caller's IO thread; transactions, COPY, calls with their own timeout and calls that wait for
/// a connection run on worker threads owned by the client. Thread-safe. Destroying it closes its
/// connections (in the background).
///
/// Failures: Errc::backend_error (400) for PostgreSQL's own errors, with details {sqlstate,
/// message, detail, hint, position, ...}; Errc::backend_unavailable (503) when no connection
/// can be made or it is lost (details.phase is "connect" when nothing was sent);
/// Errc::overloaded (503) when the wait queue is full or the wait expires; Errc::timeout (504)
/// when the statement timeout cancels a query; Errc::bad_request for arguments that cannot
/// be bound. Never throws.
class Client {
 public:
  virtual ~Client() = default;

  /// Runs one statement (prepared and cached per connection) outside any explicit
  /// transaction; resumes on the caller's executor.
  virtual boost::asio::awaitable<Result<StatementResult>> run(Statement statement,
                                                              ExecOptions options) = 0;

  /// Runs `statements` in one transaction (BEGIN ... COMMIT): all or nothing. A failing
  /// statement rolls back and its error's details carry "index".
  virtual boost::asio::awaitable<Result<std::vector<StatementResult>>> transaction(
      std::vector<Statement> statements, TransactionOptions transaction, ExecOptions options) = 0;

  /// False after a connection attempt failed, until one succeeds again.
  virtual bool healthy() const = 0;

  virtual PoolStats stats() const = 0;
};

using ClientPtr = std::shared_ptr<Client>;

/// The libpq implementation. Opens min_connections in the background; its housekeeping
/// timer runs on `ioc`, and single statements run on pipelined connections driven from a
/// strand of `ioc`.
ClientPtr make_client(boost::asio::io_context& ioc, ClientOptions options);

/// The same with pipelined connections driven by each IO thread of `io` for the calls made on
/// that thread (a call never leaves its thread).
ClientPtr make_client(IoPool& io, ClientOptions options);

}  // namespace throome::postgres
