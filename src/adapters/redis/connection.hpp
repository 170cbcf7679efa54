#pragma once

// One hiredis async connection driven by Asio: the context's fd is watched by the
// io_context, every hiredis call runs on this connection's strand, and commands issued in
// one loop turn leave in one write (pipelining). Private to the Redis adapter.

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "throome/adapters/redis/client.hpp"

namespace throome::redis::detail {

using Commands = std::vector<std::vector<std::string>>;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using PlainExecutor = boost::asio::io_context::executor_type;

/// A request in flight: one or more commands whose replies arrive in order. Completed exactly
/// once; deleted after hiredis has called back for every command it accepted.
class OpBase {
 public:
  explicit OpBase(Commands commands) : commands_(std::move(commands)) {}
  virtual ~OpBase() = default;

  const Commands& commands() const noexcept { return commands_; }
  bool completed() const noexcept { return completed_; }

  /// Delivers `result` to the waiting caller unless already completed.
  void complete(Result<std::vector<Reply>> result) {
    if (completed_) return;
    completed_ = true;
    commands_.clear();
    deliver(std::move(result));
  }

  std::vector<Reply> replies;
  std::size_t callbacks_left = 0;  // hiredis callbacks still due

 protected:
  virtual void deliver(Result<std::vector<Reply>> result) = 0;

 private:
  Commands commands_;
  bool completed_ = false;
};

/// Completes an Asio handler on its own associated executor (never inline inside hiredis).
template <class Handler>
class Op final : public OpBase {
 public:
  Op(Handler handler, Commands commands)
      : OpBase(std::move(commands)), handler_(std::move(handler)) {}

 private:
  void deliver(Result<std::vector<Reply>> result) override {
    auto ex = boost::asio::get_associated_executor(handler_);
    boost::asio::post(ex, [h = std::move(handler_), r = std::move(result)]() mutable {
      std::move(h)(std::move(r));
    });
  }
  Handler handler_;
};

/// `Executor` is a strand (contexts run by several threads) or a plain io_context executor
/// (a context run by one thread: the IoPool's thread-per-core layout).
template <class Executor>
class Connection : public std::enable_shared_from_this<Connection<Executor>> {
 public:
  Connection(Executor executor, ClientOptions options, std::size_t index);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Starts connecting (asynchronously).
  void start();
  /// Closes: pending requests fail with backend_unavailable; no reconnect afterwards.
  void close();

  /// Runs `commands` back to back; completes with one reply per command.
  template <class Token>
  auto async_run(Commands commands, Token&& token) {
    using Signature = void(Result<std::vector<Reply>>);
    return boost::asio::async_initiate<Token, Signature>(
        [self = this->shared_from_this()](auto handler, Commands cmds) {
          using H = std::decay_t<decltype(handler)>;
          auto* op = new Op<H>(std::move(handler), std::move(cmds));
          // Inline when already on this connection's thread; completion is always posted.
          boost::asio::dispatch(self->executor_, [self, op] { self->issue(op); });
        },
        token, std::move(commands));
  }

  bool ready() const noexcept { return ready_.load(std::memory_order_relaxed); }
  std::size_t in_flight() const noexcept {
    return in_flight_count_.load(std::memory_order_relaxed);
  }

 private:
  enum class State { idle, resolving, connecting, authenticating, ready, disconnected, closed };

  // All of these run on strand_.
  void issue(OpBase* op);
  void send(OpBase* op);
  void start_connect();
  void connect_to(const std::string& ip);
  void send_setup();
  void become_ready();
  void on_connect_failed(const std::string& reason);
  void on_lost(const std::string& reason);
  void schedule_reconnect();
  void fail_waiting(const Error& error);
  void free_context(Errc reason, const std::string& why);
  void arm_read();
  void arm_write();
  void arm_ticker();
  void on_tick();
  Error failure() const;

  // hiredis hooks and callbacks (C ABI; they never throw).
  static void hook_add_read(void* data);
  static void hook_del_read(void* data);
  static void hook_add_write(void* data);
  static void hook_del_write(void* data);
  static void hook_cleanup(void* data);
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);

  Executor executor_;
  ClientOptions options_;
  std::string label_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer ticker_;

  redisAsyncContext* ac_ = nullptr;
  State state_ = State::idle;
  std::uint64_t gen_ = 0;  // bumps with every new hiredis context
  bool want_read_ = false, want_write_ = false;
  bool reading_ = false, writing_ = false;
  bool ticking_ = false;
  bool reconnect_pending_ = false;
  std::chrono::milliseconds backoff_{50};
  Errc failure_code_ = Errc::backend_unavailable;
  std::string last_error_ = "not connected yet";
  std::deque<OpBase*> waiting_;  // issued while (re)connecting; bounded by max_in_flight
  std::deque<std::chrono::steady_clock::time_point> deadlines_;  // one per hiredis callback
  std::size_t in_flight_ = 0;

  std::atomic<bool> ready_{false};
  std::atomic<std::size_t> in_flight_count_{0};
};

}  // namespace throome::redis::detail
