#include "adapters/redis/connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <functional>

#include "throome/monitor/log_rate_limiter.hpp"

namespace throome::redis::detail {
namespace {

namespace asio = boost::asio;

Reply copy_reply(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return Reply::make_string(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return Reply::make_status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR:
      return Reply::make_error(std::string(r->str, r->len));
    case REDIS_REPLY_INTEGER:
      return Reply::make_integer(r->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) elements.push_back(copy_reply(r->element[i]));
      return Reply::make_array(std::move(elements));
    }
    default:
      return Reply::make_nil();
  }
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Completes an internal (setup) request synchronously on the strand.
class SetupOp final : public OpBase {
 public:
  SetupOp(Commands commands, std::function<void(Result<std::vector<Reply>>)> done)
      : OpBase(std::move(commands)), done_(std::move(done)) {}

 private:
  void deliver(Result<std::vector<Reply>> result) override { done_(std::move(result)); }
  std::function<void(Result<std::vector<Reply>>)> done_;
};

}  // namespace

template <class Executor>
Connection<Executor>::Connection(Executor executor, ClientOptions options, std::size_t index)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      label_(options_.name.empty() ? options_.host + ":" + std::to_string(options_.port)
                                   : options_.name),
      resolver_(executor_),
      descriptor_(executor_),
      connect_timer_(executor_),
      reconnect_timer_(executor_),
      ticker_(executor_) {
  label_ += "#" + std::to_string(index);
}

template <class Executor>
Connection<Executor>::~Connection() {
  // Normally close() ran on the strand already; this covers an io_context that never ran it.
  if (ac_ != nullptr) {
    state_ = State::closed;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    ac->ev.data = nullptr;
    ac->data = nullptr;
    redisAsyncFree(ac);
  }
  for (auto* op : waiting_) {
    op->complete(Error(Errc::backend_unavailable, "redis client closed"));
    delete op;
  }
}

template <class Executor>
void Connection<Executor>::start() {
  asio::post(executor_, [self = this->shared_from_this()] { self->start_connect(); });
}

template <class Executor>
void Connection<Executor>::close() {
  asio::post(executor_, [self = this->shared_from_this()] {
    if (self->state_ == State::closed) return;
    self->state_ = State::closed;
    self->ready_ = false;
    self->connect_timer_.cancel();
    self->reconnect_timer_.cancel();
    self->ticker_.cancel();
    self->resolver_.cancel();
    self->fail_waiting(Error(Errc::backend_unavailable, "redis client closed"));
    if (self->ac_ != nullptr) {
      self->failure_code_ = Errc::backend_unavailable;
      self->last_error_ = "redis client closed";
      redisAsyncFree(self->ac_);  // fails what is in flight; calls on_disconnect
      self->ac_ = nullptr;
    }
  });
}

template <class Executor>
Error Connection<Executor>::failure() const {
  if (failure_code_ == Errc::timeout) {
    return Error(
        Errc::timeout, "redis did not answer in time",
        label_ + ": no reply within " + std::to_string(options_.command_timeout.count()) + " ms");
  }
  return Error(Errc::backend_unavailable, "redis backend unavailable", label_ + ": " + last_error_);
}

template <class Executor>
void Connection<Executor>::issue(OpBase* op) {
  switch (state_) {
    case State::ready:
      send(op);
      return;
    case State::idle:
    case State::resolving:
    case State::connecting:
    case State::authenticating:
      if (waiting_.size() >= options_.max_in_flight) {
        op->complete(Error(Errc::overloaded, "too many redis requests waiting for a connection"));
        delete op;
        return;
      }
      waiting_.push_back(op);
      return;
    case State::disconnected:
    case State::closed:
      op->complete(failure());
      delete op;
      if (state_ == State::disconnected) schedule_reconnect();
      return;
  }
}

template <class Executor>
void Connection<Executor>::send(OpBase* op) {
  const auto& cmds = op->commands();
  if (in_flight_ + cmds.size() > options_.max_in_flight) {
    op->complete(Error(Errc::overloaded, "too many redis requests in flight"));
    delete op;
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.command_timeout;
  std::size_t queued = 0;
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& cmd : cmds) {
    argv.clear();
    lens.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAsyncCommandArgv(ac_, &Connection::on_reply, op, static_cast<int>(argv.size()),
                              argv.data(), lens.data()) != REDIS_OK) {
      break;
    }
    ++queued;
    deadlines_.push_back(deadline);
  }
  in_flight_ += queued;
  in_flight_count_.store(in_flight_, std::memory_order_relaxed);
  op->callbacks_left = queued;
  if (queued < cmds.size()) {
    op->complete(Error(Errc::backend_unavailable, "redis backend unavailable",
                       label_ + ": command could not be queued"));
    if (queued == 0) delete op;
  }
  arm_ticker();
}

template <class Executor>
void Connection<Executor>::start_connect() {
  if (state_ == State::closed) return;
  state_ = State::resolving;
  if (is_ip_literal(options_.host)) {
    connect_to(options_.host);
    return;
  }
  // Name resolution is asynchronous: hiredis would call getaddrinfo on this IO thread.
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      asio::bind_executor(executor_, [self = this->shared_from_this()](
                                         const boost::system::error_code& ec,
                                         const asio::ip::tcp::resolver::results_type& results) {
        if (self->state_ != State::resolving) return;
        if (ec || results.empty()) {
          self->on_connect_failed("cannot resolve " + self->options_.host + ": " + ec.message());
          return;
        }
        self->connect_to(results.begin()->endpoint().address().to_string());
      }));
}

template <class Executor>
void Connection<Executor>::connect_to(const std::string& ip) {
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), options_.port);
  if (ac == nullptr) {
    on_connect_failed("out of memory");
    return;
  }
  if (ac->err != 0) {
    std::string reason = ac->errstr;
    redisAsyncFree(ac);
    on_connect_failed(reason);
    return;
  }
  ++gen_;
  ac_ = ac;
  ac_->data = this;
  reading_ = writing_ = want_read_ = want_write_ = false;
  boost::system::error_code ec;
  descriptor_.assign(ac_->c.fd, ec);
  if (ec) {
    ac_ = nullptr;
    redisAsyncFree(ac);
    on_connect_failed("cannot watch socket: " + ec.message());
    return;
  }
  ac_->ev.data = this;
  ac_->ev.addRead = &Connection::hook_add_read;
  ac_->ev.delRead = &Connection::hook_del_read;
  ac_->ev.addWrite = &Connection::hook_add_write;
  ac_->ev.delWrite = &Connection::hook_del_write;
  ac_->ev.cleanup = &Connection::hook_cleanup;
  redisAsyncSetDisconnectCallback(ac_, &Connection::on_disconnect);
  state_ = State::connecting;
  failure_code_ = Errc::backend_unavailable;

  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait(
      [self = this->shared_from_this(), gen = gen_](boost::system::error_code e) {
        if (e || gen != self->gen_) return;
        if (self->state_ == State::connecting || self->state_ == State::authenticating) {
          self->free_context(Errc::backend_unavailable, "connect timed out");
          self->on_connect_failed("connect timed out after " +
                                  std::to_string(self->options_.connect_timeout.count()) + " ms");
        }
      });
  redisAsyncSetConnectCallback(ac_, &Connection::on_connect);  // arms the write watch
}

template <class Executor>
void Connection<Executor>::send_setup() {
  Commands setup;
  if (!options_.password.empty()) {
    if (options_.username.empty()) {
      setup.push_back({"AUTH", options_.password});
    } else {
      setup.push_back({"AUTH", options_.username, options_.password});
    }
  }
  if (options_.db != 0) setup.push_back({"SELECT", std::to_string(options_.db)});
  if (setup.empty()) {
    become_ready();
    return;
  }
  state_ = State::authenticating;
  auto* op = new SetupOp(std::move(setup), [this, gen = gen_](Result<std::vector<Reply>> r) {
    if (gen != gen_ || state_ != State::authenticating) return;
    std::string problem;
    if (!r) {
      problem = r.error().message();
    } else {
      for (const auto& reply : *r) {
        if (reply.is_error()) {
          problem = reply.str;  // e.g. "WRONGPASS ..." (Redis never echoes the password)
          break;
        }
      }
    }
    if (problem.empty()) {
      become_ready();
    } else {
      free_context(Errc::backend_unavailable, "setup failed: " + problem);
      on_connect_failed("AUTH/SELECT failed: " + problem);
    }
  });
  send(op);
}

template <class Executor>
void Connection<Executor>::become_ready() {
  state_ = State::ready;
  ready_ = true;
  backoff_ = std::chrono::milliseconds(50);
  connect_timer_.cancel();
  spdlog::info("redis {}: connected", label_);
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto* op : waiting) send(op);
}

template <class Executor>
void Connection<Executor>::on_connect_failed(const std::string& reason) {
  if (state_ == State::closed) return;
  ready_ = false;
  state_ = State::disconnected;
  if (last_error_ != reason) {
    monitor::log_limited(spdlog::level::warn, fmt::format("redis {}: {}", label_, reason));
  }
  last_error_ = reason;
  fail_waiting(
      Error(Errc::backend_unavailable, "redis backend unavailable", label_ + ": " + reason));
  schedule_reconnect();
}

template <class Executor>
void Connection<Executor>::on_lost(const std::string& reason) {
  if (state_ == State::closed) return;
  ready_ = false;
  state_ = State::disconnected;
  monitor::log_limited(spdlog::level::warn,
                       fmt::format("redis {}: connection lost: {}", label_, reason));
  last_error_ = "connection lost: " + reason;
  fail_waiting(failure());
  failure_code_ = Errc::backend_unavailable;  // later requests: unavailable until reconnected
  schedule_reconnect();
}

template <class Executor>
void Connection<Executor>::schedule_reconnect() {
  if (state_ == State::closed || reconnect_pending_) return;
  reconnect_pending_ = true;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2'000));
  reconnect_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    self->reconnect_pending_ = false;
    if (ec || self->state_ != State::disconnected) return;
    self->start_connect();
  });
}

template <class Executor>
void Connection<Executor>::fail_waiting(const Error& error) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto* op : waiting) {
    op->complete(error);
    delete op;
  }
}

template <class Executor>
void Connection<Executor>::free_context(Errc reason, const std::string& why) {
  if (ac_ == nullptr) return;
  failure_code_ = reason;
  last_error_ = why;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  ready_ = false;
  // Fails every pending callback with a null reply (each op completes with failure()), then
  // calls on_disconnect and the cleanup hook. Safe inside a hiredis callback: it defers.
  redisAsyncFree(ac);
}

template <class Executor>
void Connection<Executor>::arm_read() {
  if (reading_ || !want_read_ || ac_ == nullptr) return;
  reading_ = true;
  descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                         asio::bind_executor(executor_, [self = this->shared_from_this(),
                                                         gen = gen_](boost::system::error_code ec) {
                           if (gen != self->gen_) return;
                           self->reading_ = false;
                           if (ec || self->ac_ == nullptr || !self->want_read_) return;
                           redisAsyncHandleRead(self->ac_);
                           if (gen == self->gen_) self->arm_read();
                         }));
}

template <class Executor>
void Connection<Executor>::arm_write() {
  if (writing_ || !want_write_ || ac_ == nullptr) return;
  writing_ = true;
  descriptor_.async_wait(asio::posix::descriptor_base::wait_write,
                         asio::bind_executor(executor_, [self = this->shared_from_this(),
                                                         gen = gen_](boost::system::error_code ec) {
                           if (gen != self->gen_) return;
                           self->writing_ = false;
                           if (ec || self->ac_ == nullptr || !self->want_write_) return;
                           redisAsyncHandleWrite(self->ac_);
                           if (gen == self->gen_) self->arm_write();
                         }));
}

template <class Executor>
void Connection<Executor>::arm_ticker() {
  if (ticking_ || deadlines_.empty()) return;
  ticking_ = true;
  auto tick = std::clamp(options_.command_timeout / 4, std::chrono::milliseconds(5),
                         std::chrono::milliseconds(250));
  ticker_.expires_after(tick);
  ticker_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    self->ticking_ = false;
    if (ec) return;
    self->on_tick();
  });
}

template <class Executor>
void Connection<Executor>::on_tick() {
  if (deadlines_.empty() || ac_ == nullptr) return;
  if (deadlines_.front() <= std::chrono::steady_clock::now()) {
    // Redis answers in order: the oldest request is late, so everything behind it is too.
    // Dropping the connection fails them all at once; a reconnect follows.
    monitor::log_limited(spdlog::level::warn,
                         fmt::format("redis {}: no reply within {} ms; reconnecting", label_,
                                     options_.command_timeout.count()));
    free_context(Errc::timeout, "command timed out");
    return;
  }
  arm_ticker();
}

template <class Executor>
void Connection<Executor>::hook_add_read(void* data) {
  if (auto* c = static_cast<Connection*>(data)) {
    c->want_read_ = true;
    c->arm_read();
  }
}
template <class Executor>
void Connection<Executor>::hook_del_read(void* data) {
  if (auto* c = static_cast<Connection*>(data)) c->want_read_ = false;
}
template <class Executor>
void Connection<Executor>::hook_add_write(void* data) {
  if (auto* c = static_cast<Connection*>(data)) {
    c->want_write_ = true;
    c->arm_write();
  }
}
template <class Executor>
void Connection<Executor>::hook_del_write(void* data) {
  if (auto* c = static_cast<Connection*>(data)) c->want_write_ = false;
}
template <class Executor>
void Connection<Executor>::hook_cleanup(void* data) {
  if (auto* c = static_cast<Connection*>(data)) {
    c->want_read_ = c->want_write_ = false;
    // hiredis closes the fd itself: give it back without closing, cancelling our waits.
    boost::system::error_code ignore;
    c->descriptor_.cancel(ignore);
    (void)c->descriptor_.release();
  }
}

template <class Executor>
void Connection<Executor>::on_connect(const redisAsyncContext* ac, int status) {
  auto* c = static_cast<Connection*>(ac->data);
  if (c == nullptr) return;
  try {
    if (status != REDIS_OK) {
      // hiredis frees the context right after this callback.
      std::string reason = ac->errstr;
      c->ac_ = nullptr;
      c->on_connect_failed(reason);
      return;
    }
    c->send_setup();
  } catch (const std::exception& e) {
    spdlog::error("redis {}: {}", c->label_, e.what());
  }
}

template <class Executor>
void Connection<Executor>::on_disconnect(const redisAsyncContext* ac, int status) {
  auto* c = static_cast<Connection*>(ac->data);
  if (c == nullptr) return;
  try {
    std::string reason = status == REDIS_OK ? std::string("closed") : std::string(ac->errstr);
    if (c->ac_ == ac) c->ac_ = nullptr;  // hiredis frees the context after this callback
    if (c->failure_code_ == Errc::timeout) reason = c->last_error_;
    c->on_lost(reason);
  } catch (const std::exception& e) {
    spdlog::error("redis {}: {}", c->label_, e.what());
  }
}

template <class Executor>
void Connection<Executor>::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* c = static_cast<Connection*>(ac->data);
  auto* op = static_cast<OpBase*>(privdata);
  if (op == nullptr) return;
  try {
    if (c != nullptr) {
      if (c->in_flight_ > 0) --c->in_flight_;
      if (!c->deadlines_.empty()) c->deadlines_.pop_front();
      c->in_flight_count_.store(c->in_flight_, std::memory_order_relaxed);
    }
    if (reply == nullptr && c != nullptr && c->ac_ == ac) {
      // The server went away (not freed by us): say why.
      c->failure_code_ = Errc::backend_unavailable;
      c->last_error_ = std::string("connection lost: ") +
                       (ac->err != 0 ? ac->errstr : "server closed the connection");
    }
    if (reply == nullptr) {
      op->complete(c != nullptr ? c->failure()
                                : Error(Errc::backend_unavailable, "redis backend unavailable"));
    } else if (!op->completed()) {
      op->replies.push_back(copy_reply(static_cast<const redisReply*>(reply)));
    }
    if (--op->callbacks_left == 0) {
      if (!op->completed()) op->complete(std::move(op->replies));
      delete op;
    }
  } catch (...) {
    // Nothing may cross into C. An allocation failure here leaves this request failed.
    if (!op->completed()) op->complete(Error(Errc::internal, "internal error"));
  }
}

template class Connection<Strand>;
template class Connection<PlainExecutor>;

}  // namespace throome::redis::detail
