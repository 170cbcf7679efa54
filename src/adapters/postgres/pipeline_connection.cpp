#include "adapters/postgres/pipeline_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <utility>

#include "adapters/postgres/pipeline_group.hpp"

namespace throome::postgres::detail {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

// The server's statement_timeout answers on time; these only matter when it cannot (a stalled
// network): cancel from the client, then give up on the connection (as the worker path does).
constexpr milliseconds kCancelGrace{500};
constexpr milliseconds kAbandonGrace{2'000};
// How often a connection with calls in flight checks its deadline; and how long a drained one
// stays with its IO thread before it goes back to the pool (where idle connections are closed).
constexpr milliseconds kTick{100};
constexpr milliseconds kLinger{1'000};

}  // namespace

PipelineConnection::PipelineConnection(asio::any_io_executor executor,
                                       std::unique_ptr<Connection> conn, std::shared_ptr<Pool> pool,
                                       std::weak_ptr<PipelineGroup> group)
    : executor_(std::move(executor)),
      conn_(std::move(conn)),
      pool_(std::move(pool)),
      group_(std::move(group)),
      socket_(executor_),
      timer_(executor_),
      timeout_(pool_->options().default_timeout) {}

PipelineConnection::~PipelineConnection() {
  if (idle_counted_) pool_->pipeline_idle().fetch_sub(1, std::memory_order_relaxed);
  if (conn_) {
    // Only when the io_context went away with this still lent (shutdown): nothing waits.
    conn_->mark_broken();
    pool_->give_back(std::move(conn_));
  }
}

bool PipelineConnection::begin() {
  quiet_since_ = head_since_ = Clock::now();
  boost::system::error_code ec;
  if (!conn_->enter_pipeline()) {
    conn_->mark_broken();
  } else {
    // Asio watches its own duplicate of libpq's socket and closes it: when libpq closes its
    // descriptor (a lost connection), the number may be reused at once, and no epoll_ctl of
    // ours may then touch someone else's socket.
    const int fd = ::dup(PQsocket(conn_->native()));
    if (fd >= 0) socket_.assign(fd, ec);
    if (fd < 0 || ec) {
      if (fd >= 0) ::close(fd);
      conn_->mark_broken();
    }
  }
  if (!conn_->broken() && conn_->timeout_ms() != timeout_.count()) {
    // A worker changed it (a call with its own timeout): back to the default first.
    send_command("SET statement_timeout = " + std::to_string(timeout_.count()), timeout_.count());
  }
  if (conn_->broken()) {
    state_ = State::done;
    close_socket();
    pool_->give_back(std::move(conn_));
    return false;
  }
  flush();
  arm_read();
  count_idle();
  return true;
}

void PipelineConnection::close_socket() {
  uncork();  // the connection may go back to the pool, whose blocking path needs its sends out
  boost::system::error_code ignore;
  socket_.close(ignore);
}

void PipelineConnection::count_idle() {
  const bool idle = state_ != State::done && calls_ == 0;
  if (idle == idle_counted_) return;
  idle_counted_ = idle;
  if (idle) {
    pool_->pipeline_idle().fetch_add(1, std::memory_order_relaxed);
  } else {
    pool_->pipeline_idle().fetch_sub(1, std::memory_order_relaxed);
  }
}

void PipelineConnection::start(std::shared_ptr<Job> job, int attempt) {
  ++calls_;
  pool_->pipelined().fetch_add(1, std::memory_order_relaxed);
  count_idle();
  const std::string& sql = job->statements.front().sql;
  if (auto prepared = conn_->cached(sql)) {
    send_execute(std::move(job), std::move(prepared), attempt);
  } else if (auto it = pending_.find(sql); it != pending_.end()) {
    it->second.calls.emplace_back(std::move(job), attempt);
  } else {
    send_prepare(sql, std::move(job), attempt);
  }
}

void PipelineConnection::complete(const std::shared_ptr<Job>& job, Outcome outcome) {
  --calls_;
  pool_->pipelined().fetch_sub(1, std::memory_order_relaxed);
  count_idle();
  job->complete(annotate(*job, std::move(outcome)));
}

void PipelineConnection::send_execute(std::shared_ptr<Job> job,
                                      std::shared_ptr<const Prepared> prepared, int attempt) {
  auto params = conn_->bind(*prepared, job->statements.front());
  if (!params) {
    complete(job, params.error());
    return;
  }
  cork();
  // A call with its own timeout sets it for its implicit transaction only (set_config with
  // is_local: reverted at its Sync), so the calls around it keep the connection's default.
  const bool own_timeout = job->options.timeout != timeout_;
  if (own_timeout) {
    const std::string ms = std::to_string(job->options.timeout.count());
    const char* values[] = {ms.c_str()};
    if (PQsendQueryParams(conn_->native(),
                          "SELECT pg_catalog.set_config('statement_timeout', $1, true)", 1, nullptr,
                          values, nullptr, nullptr, 0) != 1) {
      send_failed(job, "send");
      return;
    }
  }
  if (!conn_->send(*prepared, *params) || PQpipelineSync(conn_->native()) != 1) {
    send_failed(job, "send");
    return;
  }
  Step step;
  step.kind = Kind::execute;
  step.attempt = attempt;
  step.prefix_pending = own_timeout;
  step.collect.emplace(std::move(prepared), job->options);
  step.job = std::move(job);
  push_step(std::move(step));
  flush();
  arm_timer();
}

void PipelineConnection::send_prepare(const std::string& sql, std::shared_ptr<Job> job,
                                      int attempt) {
  cork();
  // Room first: what is evicted is deallocated before the new statement is parsed, so the
  // server never holds more than the cache's bound. Calls already sent still find theirs.
  const std::string name = conn_->reserve_name();
  for (const auto& victim : conn_->take_deallocations()) {
    if (!send_command("DEALLOCATE " + victim)) break;
  }
  PGconn* pg = conn_->native();
  if (conn_->broken() || PQsendPrepare(pg, name.c_str(), sql.c_str(), 0, nullptr) != 1 ||
      PQsendDescribePrepared(pg, name.c_str()) != 1 || PQpipelineSync(pg) != 1) {
    send_failed(job, "send prepare");
    return;
  }
  Step step;
  step.kind = Kind::prepare;
  step.sql = sql;
  step.name = name;
  push_step(std::move(step));
  auto& pending = pending_[sql];
  pending.name = name;
  pending.calls.emplace_back(std::move(job), attempt);
  flush();
  arm_timer();
}

bool PipelineConnection::send_command(const std::string& sql, std::int64_t sets_timeout) {
  cork();
  PGconn* pg = conn_->native();
  if (PQsendQueryParams(pg, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(pg) != 1) {
    conn_->mark_broken();
    return false;
  }
  Step step;
  step.kind = Kind::command;
  step.sets_timeout = sets_timeout;
  push_step(std::move(step));
  return true;
}

void PipelineConnection::send_failed(const std::shared_ptr<Job>& job, std::string_view what) {
  const Error error = conn_->lost(what);
  complete(job, error);
  lost(error);
}

void PipelineConnection::push_step(Step step) {
  if (steps_.empty()) head_since_ = Clock::now();  // the head's wait starts now
  steps_.push_back(std::move(step));
}

void PipelineConnection::flush() {
  if (state_ == State::done) return;
  const int r = PQflush(conn_->native());
  if (r < 0) {
    lost(conn_->lost("write"));
  } else if (r > 0) {
    arm_write();
  }
}

// libpq 15 writes each call's Sync at once (PQpipelineSync flushes; PQsendPipelineSync is
// libpq 17): one send per call, each a loopback segment that wakes the backend. Corked until
// the end of the executor turn, the calls started in one turn (HTTP requests read together)
// leave in one segment, which the backend reads with one recv: at 64 connections, +12 %
// throughput and 20 % less system time per call (docs/benchmarks.md). Uncorking at the turn's
// end bounds the delay a call can see to what else that turn runs.
void PipelineConnection::cork() {
  if (corked_ || !socket_.is_open()) return;
  const int on = 1;
  if (::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof on) != 0) return;
  corked_ = true;
  asio::post(executor_, [self = shared_from_this()] { self->uncork(); });
}

void PipelineConnection::uncork() {
  if (!corked_) return;
  corked_ = false;
  const int off = 0;
  if (socket_.is_open()) {
    (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  }
}

void PipelineConnection::arm_read() {
  if (reading_ || state_ == State::done) return;
  reading_ = true;
  socket_.async_wait(asio::posix::descriptor_base::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->reading_ = false;
                       if (ec || self->state_ == State::done) return;
                       self->on_readable();
                     });
}

void PipelineConnection::arm_write() {
  if (writing_ || state_ == State::done) return;
  writing_ = true;
  socket_.async_wait(asio::posix::descriptor_base::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->writing_ = false;
                       if (ec || self->state_ == State::done) return;
                       self->flush();
                       // Sending may have read answers into libpq's buffer.
                       if (self->state_ != State::done) self->process();
                     });
}

void PipelineConnection::arm_timer() {
  if (timing_ || state_ == State::done) return;
  timing_ = true;
  timer_.expires_after(kTick);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->timing_ = false;
    if (ec || self->state_ == State::done) return;
    self->on_timer();
  });
}

void PipelineConnection::on_readable() {
  // Asio re-arms a wait with EPOLL_CTL_MOD, which reports a socket that is still readable:
  // what libpq leaves in the kernel is seen at the next turn.
  if (PQconsumeInput(conn_->native()) == 0) {
    lost(conn_->lost("read"));
    return;
  }
  process();
  if (state_ != State::done) arm_read();
}

// Hands every result libpq has parsed to the step it answers, in order. Each step ends with
// its Sync's PGRES_PIPELINE_SYNC; a null result ends one query's results.
void PipelineConnection::process() {
  PGconn* pg = conn_->native();
  int nulls = 0;
  bool progressed = false;
  while (!steps_.empty() && state_ != State::done) {
    Step& head = steps_.front();
    if (head.kind == Kind::execute && !head.prefix_pending && !head.single_row &&
        head.collect->out.command.empty() && head.collect->out.rows.empty() &&
        !head.collect->error) {
      // Rows one by one: memory stays bounded by max_rows. libpq accepts this only once it
      // works on this query (after the previous one's results); until then it declines.
      head.single_row = PQsetSingleRowMode(pg) == 1;
    }
    if (PQisBusy(pg) != 0) break;
    PGresult* raw = PQgetResult(pg);
    if (raw == nullptr) {
      if (head.kind == Kind::execute && head.prefix_pending) {
        head.prefix_pending = false;  // the set_config before the statement is done
        continue;
      }
      if (++nulls >= 2) break;
      continue;
    }
    nulls = 0;
    PgResultPtr result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_PIPELINE_SYNC) {
      Step done = std::move(steps_.front());
      steps_.pop_front();
      head_since_ = Clock::now();
      cancel_sent_ = false;
      finish_step(done);
      progressed = true;
      continue;
    }
    switch (head.kind) {
      case Kind::execute:
        if (head.prefix_pending) {
          // set_config's answer; its failure is the call's (the statement is then skipped).
          if (status != PGRES_TUPLES_OK && !head.collect->error) {
            head.collect->error = conn_->failure(raw);
          }
          break;
        }
        conn_->absorb(*head.collect, raw);
        if (head.collect->copy_both) {
          lost(conn_->lost("COPY"));
          return;
        }
        break;
      case Kind::prepare:
        // Parse, then Describe: the second answer is the description.
        if (status == PGRES_COMMAND_OK) {
          if (++head.answered == 2) head.describe = std::move(result);
        } else if (status != PGRES_PIPELINE_ABORTED && !head.error) {
          head.error = conn_->failure(raw);
        }
        break;
      case Kind::command:
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
            status != PGRES_PIPELINE_ABORTED && !head.error) {
          head.error = conn_->failure(raw);
        }
        break;
    }
  }
  if (state_ == State::done) return;
  if (PQstatus(pg) != CONNECTION_OK) {
    lost(conn_->lost("read"));
    return;
  }
  if (steps_.empty()) {
    drained();
  } else if (progressed) {
    notify_group();
  }
}

void PipelineConnection::notify_group() {
  // Calls waiting in the group for a connection that answers (this one just did), or for
  // another one (this one is gone). A relaxed load first: nothing waits, almost always.
  if (pool_->pipeline_waiting().load(std::memory_order_relaxed) == 0) return;
  if (auto group = group_.lock(); group && group->has_waiting()) group->dispatch();
}

void PipelineConnection::finish_step(Step& step) {
  switch (step.kind) {
    case Kind::execute: {
      auto result = conn_->conclude(*step.collect);
      if (conn_->broken()) {
        complete(step.job, result ? Outcome(conn_->lost("execute")) : Outcome(result.error()));
        lost(conn_->lost("execute"));
        return;
      }
      if (!result && step.attempt == 0) {
        // A cached statement went stale (ALTER TABLE, DEALLOCATE): prepare it again, once.
        const int staleness = Connection::stale_statement(result.error());
        if (staleness != 0) {
          conn_->forget(step.job->statements.front().sql, staleness == 1,
                        &step.collect->prepared->name);
          --calls_;  // counted again by start()
          pool_->pipelined().fetch_sub(1, std::memory_order_relaxed);
          start(std::move(step.job), 1);
          return;
        }
      }
      if (!result) {
        complete(step.job, result.error());
      } else {
        std::vector<StatementResult> out;
        out.push_back(std::move(*result));
        complete(step.job, std::move(out));
      }
      if (conn_->timeout_ms() != timeout_.count() && state_ != State::done) {
        // The statement changed session settings (SET, RESET, DISCARD): restore the timeout.
        if (!send_command("SET statement_timeout = " + std::to_string(timeout_.count()),
                          timeout_.count())) {
          lost(conn_->lost("send"));
          return;
        }
        flush();
      }
      return;
    }
    case Kind::prepare:
      finish_prepare(step);
      return;
    case Kind::command:
      if (step.sets_timeout >= 0) {
        if (step.error) {
          lost(*step.error);  // later calls would run with another timeout: give up on it
          return;
        }
        conn_->timeout_is(step.sets_timeout);
      }
      return;
  }
}

void PipelineConnection::finish_prepare(Step& step) {
  auto it = pending_.find(step.sql);
  if (it == pending_.end()) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  if (step.error || step.describe == nullptr) {
    const Error e = step.error ? *step.error : conn_->lost("prepare");
    for (auto& [job, attempt] : pending.calls) complete(job, e);
    return;
  }
  if (!conn_->knows_types(step.describe.get())) {
    // Enums, domains, composite types: learning them takes catalog queries, which the worker
    // path runs (blocking) and records for every connection. These calls go there once.
    conn_->deallocate_later(pending.name);
    for (auto& [job, attempt] : pending.calls) {
      --calls_;
      pool_->pipelined().fetch_sub(1, std::memory_order_relaxed);
      count_idle();
      pool_->submit(std::move(job));
    }
    return;
  }
  auto prepared = conn_->adopt(step.sql, pending.name, step.describe.get());
  for (auto& [job, attempt] : pending.calls) {
    if (state_ == State::done) {
      complete(job, conn_->lost("send"));
      continue;
    }
    send_execute(std::move(job), prepared, attempt);
  }
}

void PipelineConnection::on_timer() {
  const auto now = Clock::now();
  const auto& options = pool_->options();
  const bool old =
      options.max_lifetime.count() > 0 && now - conn_->created_at() >= options.max_lifetime;
  if (!steps_.empty()) {
    const auto waited = now - head_since_;
    const Step& head = steps_.front();
    const auto timeout = head.kind == Kind::execute ? head.job->options.timeout : timeout_;
    if (!cancel_sent_ && waited >= timeout + kCancelGrace) {
      cancel_sent_ = true;
      pool_->cancel(conn_->canceller());
    } else if (cancel_sent_ && waited >= timeout + kAbandonGrace) {
      abort(Error(Errc::timeout,
                  "PostgreSQL did not answer within " + std::to_string(timeout.count()) +
                      " ms; the query was cancelled and its connection will be closed",
                  json{{"sqlstate", nullptr}}));
      return;
    }
    if (old) state_ = State::retiring;
  } else if (old || now - quiet_since_ >= kLinger || state_ == State::retiring) {
    hand_back();
    return;
  }
  arm_timer();
}

bool PipelineConnection::check_quiet(Clock::time_point now) {
  if (!steps_.empty() || now - quiet_since_ < milliseconds(5)) return true;
  quiet_since_ = now;
  char byte;
  if (::recv(PQsocket(conn_->native()), &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) {
    // Something arrived while nothing was asked: a termination notice, or EOF.
    if (PQconsumeInput(conn_->native()) == 0 || PQstatus(conn_->native()) != CONNECTION_OK) {
      lost(conn_->lost("idle"));
      return false;
    }
  }
  return true;
}

void PipelineConnection::drained() {
  quiet_since_ = Clock::now();
  notify_group();
  if (!steps_.empty()) return;  // it took waiting calls
  const auto& options = pool_->options();
  const bool old = options.max_lifetime.count() > 0 &&
                   quiet_since_ - conn_->created_at() >= options.max_lifetime;
  if (state_ == State::retiring || old || pool_->has_waiters()) {
    hand_back();
    return;
  }
  arm_timer();
}

void PipelineConnection::retire() {
  if (state_ != State::open) return;
  state_ = State::retiring;
  if (steps_.empty()) hand_back();
}

void PipelineConnection::hand_back() {
  if (state_ == State::done) return;
  state_ = State::done;
  timer_.cancel();
  close_socket();  // cancels the pending waits
  count_idle();
  if (!conn_->leave_pipeline()) conn_->mark_broken();
  pool_->give_back(std::move(conn_));
  notify_group();
}

void PipelineConnection::abort(const Error& error) {
  if (state_ == State::done) return;
  conn_->mark_broken();
  lost(error);
}

void PipelineConnection::lost(const Error& error) {
  if (state_ == State::done) return;
  state_ = State::done;
  count_idle();
  timer_.cancel();
  close_socket();
  const bool quiet = steps_.empty() && pending_.empty();
  auto steps = std::move(steps_);
  steps_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& step : steps) {
    if (step.kind == Kind::execute) complete(step.job, error);
  }
  for (auto& [sql, p] : pending) {
    for (auto& [job, attempt] : p.calls) complete(job, error);
  }
  if (quiet) {
    // The server closed it while nothing ran (a restart, pg_terminate_backend): back to the
    // pool as an idle connection, found dead and replaced when next used, as before it was
    // lent (a lost connection alone says nothing of the backend's health).
    (void)conn_->leave_pipeline();
    pool_->park(std::move(conn_));
  } else {
    conn_->mark_broken();
    pool_->give_back(std::move(conn_));
  }
  notify_group();
}

}  // namespace throome::postgres::detail
