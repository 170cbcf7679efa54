#pragma once

// The connection pool of one PostgreSQL backend. Connections are lent to IO threads, which
// drive them in non-blocking pipeline mode (PipelineGroup, the path of single statements), or
// used by worker threads (owned by the pool) for everything else: transactions, COPY, calls
// with their own timeout, and calls that had to wait for a connection. Calls wait in a bounded
// FIFO for a free connection; workers post each outcome to its caller's executor. A
// housekeeping timer on the io_context expires waits, cancels overdue queries, closes idle or
// old connections and keeps min_connections open. Private to the Postgres adapter.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/values.hpp"
#include "throome/adapters/postgres/client.hpp"

namespace throome::postgres::detail {

using Outcome = Result<std::vector<StatementResult>>;

/// Delivers an outcome to the waiting caller.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void deliver(Outcome outcome) = 0;
};

/// Completes an Asio handler on its associated executor (never inline on a worker thread),
/// keeping that executor's context busy until then.
template <class Handler>
class HandlerCompletion final : public Completion {
 public:
  explicit HandlerCompletion(Handler handler)
      : work_(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                  boost::asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  void deliver(Outcome outcome) override {
    // The executor (and the work it counts) travels with the handler: this object may be
    // destroyed later on a worker thread, when the io_context may be gone.
    auto work = std::move(work_);
    auto executor = work;
    boost::asio::post(executor, [h = std::move(handler_), o = std::move(outcome),
                                 w = std::move(work)]() mutable { std::move(h)(std::move(o)); });
  }

 private:
  std::decay_t<decltype(boost::asio::prefer(
      std::declval<boost::asio::associated_executor_t<Handler>>(),
      boost::asio::execution::outstanding_work.tracked))>
      work_;
  Handler handler_;
};

/// One call: a statement, or the statements of one transaction.
struct Job {
  std::vector<Statement> statements;
  bool transaction = false;
  bool pipelinable = false;  // may share a pipeline with other calls (one statement, no COPY)
  TransactionOptions transaction_options;
  ExecOptions options;
  std::unique_ptr<Completion> completion;

  /// Completes the call once; later outcomes (an abandoned query finishing) are dropped.
  void complete(Outcome outcome) {
    if (!done.exchange(true)) completion->deliver(std::move(outcome));
  }
  std::atomic<bool> done{false};

  // Guarded by Pool::mu_ (enqueued_at: or by the pipeline group the call waits in).
  std::chrono::steady_clock::time_point enqueued_at;
  std::chrono::steady_clock::time_point deadline;  // set when the query phase starts
  std::shared_ptr<Canceller> canceller;            // while a query runs
  bool cancel_sent = false;
  bool abandoned = false;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  /// The housekeeping timer. Owned by the client handle (and by its pending wait), never by
  /// the pool alone: the pool may outlive the client on a worker thread, the timer must not
  /// outlive its io_context.
  struct Ticker {
    explicit Ticker(boost::asio::io_context& ioc);
    boost::asio::steady_timer timer;
  };

  Pool(std::shared_ptr<Ticker> ticker, ClientOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Starts housekeeping (opens min_connections in the background).
  void start();
  /// Runs `job` when a connection is free; completes it with the outcome.
  void submit(std::shared_ptr<Job> job);
  /// Fails waiting calls, closes idle connections, cancels running queries. Non-blocking.
  void close();
  /// Waits until no worker thread is posting an outcome to a caller's executor (a few
  /// microseconds: callers are done when their client is destroyed). After it, no worker
  /// touches an io_context again, so the io_context may be destroyed.
  void wait_for_deliveries();

  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  PoolStats stats() const;

  // --- Connections lent to pipelines (called from IO threads; non-blocking).

  /// What lend() found.
  struct Lend {
    std::unique_ptr<Connection> conn;  // an idle connection, checked
    bool open = false;                 // none idle, but the caller may open one (open_for)
    std::optional<Error> error;        // the backend is down: fail fast with this
  };
  /// An idle connection, or the right to open one (counted now), or nothing (at the maximum).
  Lend lend();
  /// Opens a connection on a worker thread (after lend() said `open`); `done` runs on
  /// `executor` unless the pool was closed first (then the connection is closed).
  void open_for(boost::asio::any_io_executor executor,
                std::function<void(Result<std::unique_ptr<Connection>>)> done);
  /// Takes back a lent connection (in blocking mode, every result read): it serves waiting
  /// calls, joins the idle ones, or is closed (broken, too old, pool closed).
  void give_back(std::unique_ptr<Connection> conn);
  /// True while calls wait for a connection: pipelines then take no new calls and give
  /// their connections back as soon as they drain.
  bool has_waiters() const { return waiting_.load(std::memory_order_relaxed) > 0; }
  /// Called (outside the lock) when a call starts waiting while every connection is in use,
  /// so that pipelines holding idle connections give them back.
  void on_exhausted(std::function<void()> reclaim) { reclaim_ = std::move(reclaim); }
  /// Sends a cancel request for a running query (on the canceller thread).
  void cancel(std::shared_ptr<Canceller> canceller);
  /// Takes back a lent connection the server closed while nothing ran on it, as an idle one:
  /// like any idle connection it is found dead (and replaced) when next used.
  void park(std::unique_ptr<Connection> conn);
  /// Calls in flight on pipelines, and lent connections with none (for stats()).
  std::atomic<std::size_t>& pipelined() { return pipelined_; }
  std::atomic<std::size_t>& pipeline_idle() { return pipeline_idle_; }
  /// Calls waiting in pipeline groups for a connection that is not stalled.
  std::atomic<std::size_t>& pipeline_waiting() { return pipeline_waiting_; }
  /// Calls waiting for a connection, here and in pipeline groups.
  std::size_t waiting_total() const {
    return waiting_.load(std::memory_order_relaxed) +
           pipeline_waiting_.load(std::memory_order_relaxed);
  }
  /// The refusal of a call when `waiting` calls already wait (options.max_waiting).
  Error exhausted(std::size_t busy, std::size_t waiting) const;
  /// The answer to a call that waited pool.wait_timeout_ms in vain.
  Error wait_expired() const;
  const ClientOptions& options() const { return options_; }
  TypeCache& types() { return types_; }

 private:
  using Batch = std::vector<std::shared_ptr<Job>>;

  void start_locked(Batch batch, std::unique_ptr<Connection> conn);
  Batch take_batch_locked();
  void work(Batch batch, std::unique_ptr<Connection> conn);
  void run_batch(const Batch& batch, std::unique_ptr<Connection>& conn);
  Outcome execute(const Job& job, Connection& conn);
  void finish(Job& job, Outcome outcome);
  /// Completes `job` from a worker thread, counted for wait_for_deliveries().
  void deliver(Job& job, Outcome outcome);
  void open_spare();
  void note_failure_locked(const Error& error,
                           std::chrono::steady_clock::time_point attempt_started);
  void note_success_locked();
  std::vector<std::shared_ptr<Job>> take_waiters_if_down_locked();
  void count_waiters_locked() { waiting_.store(waiters_.size(), std::memory_order_relaxed); }
  void tick();
  void schedule_tick(std::chrono::milliseconds after);
  void speed_up();

  ClientOptions options_;
  ConnectionSettings settings_;
  TypeCache types_;
  std::unique_ptr<boost::asio::thread_pool> workers_;
  std::unique_ptr<boost::asio::thread_pool> cancellers_;
  std::weak_ptr<Ticker> ticker_;

  mutable std::mutex mu_;
  std::deque<std::unique_ptr<Connection>> idle_;  // most recently used at the back
  std::size_t open_ = 0;                          // open, being opened, or in use
  std::size_t opening_ = 0;                       // spares being opened by housekeeping
  std::vector<std::shared_ptr<Job>> running_;
  std::deque<std::shared_ptr<Job>> waiters_;
  bool closed_ = false;
  std::chrono::steady_clock::time_point retry_at_{};  // no connect attempt before (after failure)
  std::chrono::milliseconds backoff_{50};
  std::chrono::steady_clock::time_point probe_at_{};  // no housekeeping probe before
  std::chrono::milliseconds probe_backoff_{250};
  std::chrono::steady_clock::time_point last_success_{};  // of a connect
  Error last_error_;
  std::atomic<bool> healthy_{true};
  std::atomic<bool> fast_{false};
  std::atomic<std::size_t> in_delivery_{0};
  std::atomic<std::size_t> waiting_{0};    // waiters_.size(), readable without the lock
  std::atomic<std::size_t> pipelined_{0};  // calls in flight on lent connections
  std::atomic<std::size_t> pipeline_idle_{0};
  std::atomic<std::size_t> pipeline_waiting_{0};  // lent connections with no call
  std::function<void()> reclaim_;                 // set once, before any call
  std::condition_variable delivered_;  // housekeeping ticks fast (calls are running or waiting)
};

/// The outcome of a call as its caller sees it (a statement timeout says it was cancelled).
Outcome annotate(const Job& job, Outcome outcome);

/// Connection parameters for libpq from client options.
ConnectionSettings connection_settings(const ClientOptions& options);

}  // namespace throome::postgres::detail
