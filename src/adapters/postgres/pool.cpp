#include "adapters/postgres/pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/strand.hpp>
#include <thread>

namespace throome::postgres::detail {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kFastTick{25};
constexpr milliseconds kSlowTick{500};
// The server's statement_timeout answers on time; these only matter when it cannot (a stalled
// network, a COMMIT that hangs): cancel from the client, then give up on the connection.
constexpr milliseconds kCancelGrace{500};
constexpr milliseconds kAbandonGrace{2'000};
constexpr milliseconds kMaxBackoff{1'000};
// Housekeeping probes of a backend that stays down back off further than calls do.
constexpr milliseconds kFirstProbeBackoff{250};
constexpr milliseconds kMaxProbeBackoff{10'000};
constexpr std::size_t kMaxBatch = 32;

std::string isolation_sql(Isolation level) {
  switch (level) {
    case Isolation::read_committed:
      return " ISOLATION LEVEL READ COMMITTED";
    case Isolation::repeatable_read:
      return " ISOLATION LEVEL REPEATABLE READ";
    case Isolation::serializable:
      return " ISOLATION LEVEL SERIALIZABLE";
    case Isolation::default_level:
      break;
  }
  return "";
}

// The error of statement `index` of a transaction: its message and details name the index.
Error at_index(const Error& e, std::size_t index) {
  json details = json::object();
  if (e.details().is_object()) {
    details = e.details();
  } else if (!e.details().is_null()) {
    details["hint"] = e.details();
  }
  details["index"] = index;
  return Error(e.code(), "statements[" + std::to_string(index) + "]: " + e.message(),
               std::move(details));
}

}  // namespace

ConnectionSettings connection_settings(const ClientOptions& o) {
  ConnectionSettings s;
  auto add = [&](const char* key, std::string value) {
    s.params.emplace_back(key, std::move(value));
  };
  add("host", o.host);
  add("port", std::to_string(o.port));
  if (!o.user.empty()) add("user", o.user);
  if (!o.password.empty()) add("password", o.password);
  if (!o.database.empty()) add("dbname", o.database);
  // libpq counts whole seconds (and treats 1 as 2).
  add("connect_timeout",
      std::to_string(std::max<long long>(1, (o.connect_timeout.count() + 999) / 1000)));
  add("application_name", o.application_name);
  add("client_encoding", "UTF8");
  add("sslmode", o.sslmode);
  if (!o.sslrootcert.empty()) add("sslrootcert", o.sslrootcert);
  if (!o.sslcert.empty()) add("sslcert", o.sslcert);
  if (!o.sslkey.empty()) add("sslkey", o.sslkey);
  // A peer that vanishes is noticed in ~20 s even while a query waits for its answer.
  add("keepalives", "1");
  add("keepalives_idle", "10");
  add("keepalives_interval", "3");
  add("keepalives_count", "3");
  // Output formats the value mapping relies on, and the default statement timeout.
  add("options",
      "-c DateStyle=ISO -c IntervalStyle=iso_8601 -c bytea_output=hex -c "
      "statement_timeout=" +
          std::to_string(o.default_timeout.count()));
  s.statement_cache_size = o.statement_cache_size;
  s.default_timeout = o.default_timeout;
  s.endpoint = o.host + ":" + std::to_string(o.port);
  return s;
}

Pool::Ticker::Ticker(asio::io_context& ioc) : timer(asio::make_strand(ioc)) {}

Pool::Pool(std::shared_ptr<Ticker> ticker, ClientOptions options)
    : options_(std::move(options)),
      settings_(connection_settings(options_)),
      workers_(
          std::make_unique<asio::thread_pool>(std::max<std::size_t>(1, options_.max_connections))),
      cancellers_(std::make_unique<asio::thread_pool>(1)),
      ticker_(std::move(ticker)),
      last_error_(Errc::backend_unavailable, "not connected yet") {
  options_.max_connections = std::max<std::size_t>(1, options_.max_connections);
  options_.min_connections = std::min(options_.min_connections, options_.max_connections);
}

Pool::~Pool() {
  // Nothing here touches the io_context: the last reference may be a worker's, after the
  // client (and even the io_context) is gone. The timer belongs to the client (close()).
  bool busy = false;
  {
    std::lock_guard lock(mu_);
    busy = !running_.empty() || opening_ > 0;
  }
  if (busy || workers_->get_executor().running_in_this_thread()) {
    // A worker still runs (an abandoned query, a connect) or this is one: join elsewhere.
    std::thread([w = std::move(workers_), c = std::move(cancellers_)]() mutable {
      w->join();
      c->join();
    }).detach();
    return;
  }
  workers_->join();  // only closes of idle connections are left: quick
  cancellers_->join();
}

void Pool::start() {
  auto ticker = ticker_.lock();
  if (!ticker) return;
  std::weak_ptr<Pool> weak = weak_from_this();
  asio::post(ticker->timer.get_executor(), [weak, ticker] {
    if (auto self = weak.lock()) self->schedule_tick(milliseconds(0));
  });
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mu_);
  return PoolStats{open_, idle_.size() + pipeline_idle_.load(), running_.size() + pipelined_.load(),
                   waiters_.size() + pipeline_waiting_.load()};
}

void Pool::submit(std::shared_ptr<Job> job) {
  std::unique_lock lock(mu_);
  if (closed_) {
    lock.unlock();
    job->complete(Error(Errc::backend_unavailable, "the PostgreSQL client is closed",
                        json{{"phase", "connect"}}));
    return;
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    start_locked({std::move(job)}, std::move(conn));
    return;
  }
  const auto now = Clock::now();
  if (open_ < options_.max_connections) {
    if (!healthy_ && now < retry_at_) {
      // The last connection attempt failed moments ago: fail fast instead of piling up.
      const Error e = last_error_;
      lock.unlock();
      job->complete(e);
      return;
    }
    ++open_;
    start_locked({std::move(job)}, nullptr);
    return;
  }
  if (waiters_.size() + pipeline_waiting_.load() >= options_.max_waiting) {
    const auto busy = open_;
    const auto waiting = waiters_.size() + pipeline_waiting_.load();
    lock.unlock();
    job->complete(exhausted(busy, waiting));
    return;
  }
  job->enqueued_at = now;
  waiters_.push_back(std::move(job));
  count_waiters_locked();
  lock.unlock();
  // Every connection is in use: pipelines holding drained ones give them back.
  if (reclaim_) reclaim_();
  speed_up();
}

void Pool::start_locked(Batch batch, std::unique_ptr<Connection> conn) {
  running_.insert(running_.end(), batch.begin(), batch.end());
  asio::post(*workers_,
             [self = shared_from_this(), batch = std::move(batch),
              conn = std::move(conn)]() mutable { self->work(std::move(batch), std::move(conn)); });
}

Pool::Batch Pool::take_batch_locked() {
  Batch batch;
  if (waiters_.empty()) return batch;
  batch.push_back(std::move(waiters_.front()));
  waiters_.pop_front();
  const Job& first = *batch.front();
  if (!first.pipelinable) {
    count_waiters_locked();
    return batch;
  }
  // Calls that queued behind a busy pool share one round trip (a pipeline).
  while (!waiters_.empty() && batch.size() < kMaxBatch) {
    const Job& next = *waiters_.front();
    if (!next.pipelinable || next.options.timeout != first.options.timeout) break;
    batch.push_back(std::move(waiters_.front()));
    waiters_.pop_front();
  }
  count_waiters_locked();
  return batch;
}

void Pool::note_failure_locked(const Error& error, Clock::time_point attempt_started) {
  // An attempt that began before the last successful connect says nothing about now (it
  // may have met the server still starting up): it must not mark a working pool down.
  if (attempt_started < last_success_) return;
  if (healthy_) spdlog::warn("postgres {}: {}", options_.name, error.message());
  healthy_ = false;
  last_error_ = error;
  retry_at_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

void Pool::note_success_locked() {
  if (!healthy_) spdlog::info("postgres {}: connected again", options_.name);
  healthy_ = true;
  last_success_ = Clock::now();
  backoff_ = milliseconds(50);
  retry_at_ = {};
  probe_backoff_ = kFirstProbeBackoff;
  probe_at_ = {};
}

std::vector<std::shared_ptr<Job>> Pool::take_waiters_if_down_locked() {
  std::vector<std::shared_ptr<Job>> out;
  if (healthy_ || open_ > 0) return out;  // a working connection will serve them
  out.assign(waiters_.begin(), waiters_.end());
  waiters_.clear();
  count_waiters_locked();
  return out;
}

// Runs on a worker thread: the batch, then (with the same connection when it is still good)
// the calls that waited for one.
void Pool::work(Batch batch, std::unique_ptr<Connection> conn) {
  while (!batch.empty()) {
    run_batch(batch, conn);
    bool keep = conn != nullptr && !conn->broken();
    if (keep && conn->in_transaction()) keep = static_cast<bool>(conn->command("ROLLBACK"));
    if (keep && options_.max_lifetime.count() > 0 &&
        Clock::now() - conn->created_at() >= options_.max_lifetime) {
      keep = false;
    }
    if (conn) conn->touch();

    std::unique_ptr<Connection> closing;
    Batch next;
    std::vector<std::shared_ptr<Job>> failed;
    Error failure;
    {
      std::lock_guard lock(mu_);
      for (const auto& job : batch) {
        running_.erase(std::remove(running_.begin(), running_.end(), job), running_.end());
      }
      if (closed_) keep = false;
      if (!keep) {
        closing = std::move(conn);
        --open_;
      }
      if (!closed_ && !waiters_.empty()) {
        if (keep) {
          next = take_batch_locked();
        } else if (healthy_ || Clock::now() >= retry_at_) {
          next = take_batch_locked();
          ++open_;
        } else {
          failed = take_waiters_if_down_locked();
          failure = last_error_;
        }
      }
      if (!next.empty()) {
        running_.insert(running_.end(), next.begin(), next.end());
      } else if (keep) {
        idle_.push_back(std::move(conn));
      }
    }
    closing.reset();  // PQfinish here, outside the lock
    for (auto& f : failed) deliver(*f, failure);
    batch = std::move(next);
  }
}

Outcome annotate(const Job& job, Outcome outcome) {
  if (!outcome) {
    const Error e = outcome.error();
    if (e.code() == Errc::timeout) {
      outcome = Error(Errc::timeout,
                      "statement timed out after " + std::to_string(job.options.timeout.count()) +
                          " ms and was cancelled on the server",
                      e.details());
    }
  }
  return outcome;
}

void Pool::finish(Job& job, Outcome outcome) { deliver(job, annotate(job, std::move(outcome))); }

Pool::Lend Pool::lend() {
  Lend out;
  for (;;) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        out.error = Error(Errc::backend_unavailable, "the PostgreSQL client is closed",
                          json{{"phase", "connect"}});
        return out;
      }
      if (idle_.empty()) {
        if (open_ >= options_.max_connections) return out;
        if (!healthy_ && Clock::now() < retry_at_) {
          out.error = last_error_;  // the last attempt failed moments ago: fail fast
          return out;
        }
        ++open_;
        out.open = true;
        return out;
      }
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    // A non-blocking check (poll with no timeout): closed by the server while idle?
    if (conn->usable()) {
      out.conn = std::move(conn);
      return out;
    }
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    asio::post(*workers_, [c = std::shared_ptr<Connection>(std::move(conn))] {});
  }
}

void Pool::open_for(asio::any_io_executor executor,
                    std::function<void(Result<std::unique_ptr<Connection>>)> done) {
  // The job holds a copy of the caller's executor (a strand's, say) until it ends, on a worker
  // thread: counted from here, so wait_for_deliveries() outlasts that copy and the caller's
  // io_context may be destroyed after it (TSan caught a strand destroyed after its context).
  in_delivery_.fetch_add(1);
  asio::post(*workers_, [self = shared_from_this(), executor = std::move(executor),
                         done = std::move(done)]() mutable {
    const auto started = Clock::now();
    auto opened = Connection::open(self->settings_, self->types_);
    std::unique_ptr<Connection> closing;
    std::vector<std::shared_ptr<Job>> failed;
    Error failure;
    bool deliver = false;
    {
      std::lock_guard lock(self->mu_);
      if (opened) {
        self->note_success_locked();
      } else {
        self->note_failure_locked(opened.error(), started);
        failed = self->take_waiters_if_down_locked();
        failure = self->last_error_;
      }
      if (!opened || self->closed_) {
        --self->open_;
        if (opened) closing = std::move(*opened);
      }
      deliver = !self->closed_;
    }
    closing.reset();
    for (auto& f : failed) self->deliver(*f, failure);
    if (deliver) {
      asio::post(executor,
                 [done = std::move(done), r = std::move(opened)]() mutable { done(std::move(r)); });
    }
    // Nothing of the caller's is left in this job past the count.
    executor = asio::any_io_executor();
    done = nullptr;
    if (self->in_delivery_.fetch_sub(1) == 1) {
      std::lock_guard lock(self->mu_);
      self->delivered_.notify_all();
    }
  });
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  conn->touch();
  bool keep = !conn->broken() && !conn->in_transaction();
  if (keep && options_.max_lifetime.count() > 0 &&
      Clock::now() - conn->created_at() >= options_.max_lifetime) {
    keep = false;
  }
  std::unique_lock lock(mu_);
  if (closed_ || !keep) {
    --open_;
    lock.unlock();
    asio::post(*workers_, [c = std::shared_ptr<Connection>(std::move(conn))] {});
    return;
  }
  if (!waiters_.empty()) {
    start_locked(take_batch_locked(), std::move(conn));
    return;
  }
  idle_.push_back(std::move(conn));
}

Error Pool::exhausted(std::size_t busy, std::size_t waiting) const {
  return Error(Errc::overloaded,
               "PostgreSQL connection pool exhausted: " + std::to_string(busy) +
                   " connections busy and " + std::to_string(waiting) + " calls waiting",
               "retry later, or raise pool.max_connections / options.max_waiting");
}

Error Pool::wait_expired() const {
  return Error(Errc::overloaded,
               "no PostgreSQL connection became free within " +
                   std::to_string(options_.wait_timeout.count()) + " ms",
               "retry later, or raise pool.max_connections / pool.wait_timeout_ms");
}

void Pool::park(std::unique_ptr<Connection> conn) {
  std::unique_lock lock(mu_);
  if (closed_) {
    --open_;
    lock.unlock();
    asio::post(*workers_, [c = std::shared_ptr<Connection>(std::move(conn))] {});
    return;
  }
  idle_.push_front(std::move(conn));  // the least recently used end
}

void Pool::cancel(std::shared_ptr<Canceller> canceller) {
  asio::post(*cancellers_, [c = std::move(canceller)] { c->cancel(); });
}

void Pool::deliver(Job& job, Outcome outcome) {
  in_delivery_.fetch_add(1);
  job.complete(std::move(outcome));
  if (in_delivery_.fetch_sub(1) == 1) {
    std::lock_guard lock(mu_);
    delivered_.notify_all();
  }
}

void Pool::wait_for_deliveries() {
  std::unique_lock lock(mu_);
  delivered_.wait(lock, [this] { return in_delivery_.load() == 0; });
}

void Pool::run_batch(const Batch& batch, std::unique_ptr<Connection>& conn) {
  if (conn && !conn->usable()) conn.reset();  // closed by the server while idle: replace
  if (!conn) {
    const auto started = Clock::now();
    auto opened = Connection::open(settings_, types_);
    {
      std::lock_guard lock(mu_);
      if (opened) {
        note_success_locked();
      } else {
        note_failure_locked(opened.error(), started);
      }
    }
    if (!opened) {
      for (const auto& job : batch) deliver(*job, opened.error());
      return;
    }
    conn = std::move(*opened);
  }
  {
    std::lock_guard lock(mu_);
    // Statement k of a pipeline may wait for the k before it, each bounded by the server's
    // statement_timeout: the latest moment PostgreSQL itself should have answered.
    const auto now = Clock::now();
    for (std::size_t k = 0; k < batch.size(); ++k) {
      batch[k]->canceller = conn->canceller();
      batch[k]->deadline = now + batch[k]->options.timeout * static_cast<long>(k + 1);
    }
  }
  if (batch.size() == 1) {
    finish(*batch.front(), execute(*batch.front(), *conn));
  } else if (auto timeout = conn->set_timeout(batch.front()->options.timeout); !timeout) {
    for (const auto& job : batch) finish(*job, timeout.error());
  } else {
    std::vector<const Statement*> statements;
    std::vector<const ExecOptions*> options;
    for (const auto& job : batch) {
      statements.push_back(&job->statements.front());
      options.push_back(&job->options);
    }
    conn->run_pipelined(statements, options,
                        [&batch, this](std::size_t i, Result<StatementResult> r) {
                          if (!r) return finish(*batch[i], r.error());
                          std::vector<StatementResult> out;
                          out.push_back(std::move(*r));
                          finish(*batch[i], std::move(out));
                        });
  }
  std::lock_guard lock(mu_);
  for (const auto& job : batch) job->canceller.reset();
}

Outcome Pool::execute(const Job& job, Connection& conn) {
  auto timeout = conn.set_timeout(job.options.timeout);
  if (!timeout) return timeout.error();
  if (!job.transaction) {
    auto r = conn.run(job.statements.front(), job.options, false);
    if (!r) return r.error();
    std::vector<StatementResult> out;
    out.push_back(std::move(*r));
    return out;
  }
  std::string begin = "BEGIN" + isolation_sql(job.transaction_options.isolation);
  begin += job.transaction_options.read_only ? " READ ONLY" : " READ WRITE";
  auto began = conn.command(begin);
  if (!began) return began.error();
  std::vector<StatementResult> out;
  for (std::size_t i = 0; i < job.statements.size(); ++i) {
    auto r = conn.run(job.statements[i], job.options, true);
    if (!r) {
      const Error e = r.error();
      if (!conn.broken()) (void)conn.command("ROLLBACK");
      return at_index(e, i);
    }
    out.push_back(std::move(*r));
  }
  auto committed = conn.command("COMMIT");
  if (!committed) {
    const Error e = committed.error();
    json details = e.details().is_object() ? e.details() : json::object();
    details["index"] = nullptr;
    details["phase"] = "commit";
    return Error(e.code(), "COMMIT failed: " + e.message(), std::move(details));
  }
  return out;
}

void Pool::open_spare() {
  const auto started = Clock::now();
  auto opened = Connection::open(settings_, types_);
  std::unique_ptr<Connection> closing;
  std::vector<std::shared_ptr<Job>> failed;
  Error failure;
  {
    std::lock_guard lock(mu_);
    --opening_;
    if (!opened) {
      --open_;
      note_failure_locked(opened.error(), started);
      probe_at_ = Clock::now() + probe_backoff_;
      probe_backoff_ = std::min(probe_backoff_ * 2, kMaxProbeBackoff);
      failed = take_waiters_if_down_locked();
      failure = last_error_;
    } else {
      note_success_locked();
      if (closed_) {
        --open_;
        closing = std::move(*opened);
      } else if (!waiters_.empty()) {
        start_locked(take_batch_locked(), std::move(*opened));
      } else {
        idle_.push_back(std::move(*opened));
      }
    }
  }
  for (auto& f : failed) deliver(*f, failure);
}

void Pool::close() {
  std::vector<std::shared_ptr<Job>> waiters;
  std::deque<std::unique_ptr<Connection>> idle;
  std::vector<std::shared_ptr<Canceller>> cancels;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    waiters.assign(waiters_.begin(), waiters_.end());
    waiters_.clear();
    count_waiters_locked();
    idle.swap(idle_);
    open_ -= idle.size();
    for (auto& j : running_) {
      if (j->canceller && !j->cancel_sent) {
        j->cancel_sent = true;
        cancels.push_back(j->canceller);
      }
    }
  }
  for (auto& w : waiters) {
    w->complete(Error(Errc::backend_unavailable, "the PostgreSQL client was closed",
                      json{{"phase", "connect"}}));
  }
  if (!idle.empty()) asio::post(*workers_, [conns = std::move(idle)] {});
  for (auto& c : cancels) asio::post(*cancellers_, [c] { c->cancel(); });
  if (auto ticker = ticker_.lock()) {
    asio::post(ticker->timer.get_executor(), [ticker] { ticker->timer.cancel(); });
  }
}

void Pool::schedule_tick(milliseconds after) {
  auto ticker = ticker_.lock();
  if (!ticker) return;  // the client is gone
  std::weak_ptr<Pool> weak = weak_from_this();
  ticker->timer.expires_after(after);
  ticker->timer.async_wait([weak, ticker](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: re-armed elsewhere, or closing
    if (auto self = weak.lock()) self->tick();
  });
}

void Pool::speed_up() {
  if (fast_.exchange(true)) return;
  auto ticker = ticker_.lock();
  if (!ticker) return;
  std::weak_ptr<Pool> weak = weak_from_this();
  asio::post(ticker->timer.get_executor(), [weak, ticker] {
    if (auto self = weak.lock()) self->schedule_tick(kFastTick);
  });
}

// Housekeeping, on the ticker's strand.
void Pool::tick() {
  const auto now = Clock::now();
  std::vector<std::shared_ptr<Job>> expired;
  std::vector<std::shared_ptr<Job>> abandoned;
  std::vector<std::shared_ptr<Canceller>> cancels;
  std::vector<std::unique_ptr<Connection>> closing;
  std::size_t spares = 0;
  bool fast = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    // Waits all have the same bound, so the oldest is at the front.
    while (!waiters_.empty() && now - waiters_.front()->enqueued_at >= options_.wait_timeout) {
      expired.push_back(std::move(waiters_.front()));
      waiters_.pop_front();
    }
    count_waiters_locked();
    for (auto& j : running_) {
      if (!j->canceller || j->abandoned || j->done) continue;
      if (!j->cancel_sent && now >= j->deadline + kCancelGrace) {
        j->cancel_sent = true;
        cancels.push_back(j->canceller);
      } else if (j->cancel_sent && now >= j->deadline + kAbandonGrace) {
        j->abandoned = true;
        abandoned.push_back(j);
      }
    }
    for (auto it = idle_.begin(); it != idle_.end();) {
      const bool old =
          options_.max_lifetime.count() > 0 && now - (*it)->created_at() >= options_.max_lifetime;
      const bool unused =
          now - (*it)->last_used() >= options_.max_idle_time && open_ > options_.min_connections;
      if (old || unused) {
        closing.push_back(std::move(*it));
        it = idle_.erase(it);
        --open_;
      } else {
        ++it;
      }
    }
    if (opening_ == 0 && now >= retry_at_ && now >= probe_at_) {
      if (open_ < options_.min_connections) {
        // Healthy: top up at once; after a failure: one probe at a time.
        spares = healthy_ ? options_.min_connections - open_ : 1;
      } else if (!healthy_ && open_ < options_.max_connections && running_.empty()) {
        spares = 1;  // probe, so that healthy() recovers without traffic
      }
      open_ += spares;
      opening_ += spares;
    }
    fast = !waiters_.empty() || !running_.empty() || opening_ > 0;
  }
  for (auto& j : expired) j->complete(wait_expired());
  for (auto& j : abandoned) {
    j->complete(Error(Errc::timeout,
                      "PostgreSQL did not answer within " +
                          std::to_string(j->options.timeout.count()) +
                          " ms; the query was cancelled and its connection will be closed",
                      json{{"sqlstate", nullptr}}));
  }
  for (auto& c : cancels) asio::post(*cancellers_, [c] { c->cancel(); });
  if (!closing.empty()) asio::post(*workers_, [conns = std::move(closing)] {});
  for (std::size_t i = 0; i < spares; ++i) {
    asio::post(*workers_, [self = shared_from_this()] { self->open_spare(); });
  }
  fast_ = fast;
  schedule_tick(fast ? kFastTick : kSlowTick);
}

}  // namespace throome::postgres::detail
