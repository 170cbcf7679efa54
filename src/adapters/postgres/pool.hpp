#pragma once

// The connection pool of one PostgreSQL backend. Calls wait in a bounded FIFO for a free
// connection; worker threads (one per connection, owned by the pool) run them with libpq and
// post each outcome to its caller's executor. A housekeeping timer on the io_context expires
// waits, cancels overdue queries, closes idle or old connections and keeps min_connections
// open. Private to the Postgres adapter.

#include <atomic>
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
#include <memory>
#include <mutex>
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

  // Guarded by Pool::mu_.
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
  std::condition_variable delivered_;  // housekeeping ticks fast (calls are running or waiting)
};

/// Connection parameters for libpq from client options.
ConnectionSettings connection_settings(const ClientOptions& options);

}  // namespace throome::postgres::detail
