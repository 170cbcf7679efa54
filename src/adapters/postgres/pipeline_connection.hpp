#pragma once

// One libpq connection lent to an IO thread and driven there in non-blocking pipeline mode:
// its socket is watched by the io_context, each call is sent at once as Bind/Execute + Sync (its
// own implicit transaction: one failing does not affect the others), and results are read as
// they arrive and handed to the calls in order. A statement not yet prepared on the connection
// is prepared first (Parse + Describe + Sync); the calls that need it wait for its description
// (binding needs the parameter types), the others go on. Everything runs on one executor (an
// IoPool thread, or a strand). Private to the Postgres adapter.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/pool.hpp"

namespace throome::postgres::detail {

class PipelineGroup;

class PipelineConnection : public std::enable_shared_from_this<PipelineConnection> {
 public:
  using Clock = std::chrono::steady_clock;

  PipelineConnection(boost::asio::any_io_executor executor, std::unique_ptr<Connection> conn,
                     std::shared_ptr<Pool> pool, std::weak_ptr<PipelineGroup> group);
  ~PipelineConnection();
  PipelineConnection(const PipelineConnection&) = delete;
  PipelineConnection& operator=(const PipelineConnection&) = delete;

  /// Enters pipeline mode and starts watching the socket. False: the connection is unusable
  /// (it has been given back to the pool to be closed).
  bool begin();
  /// Sends `job` (one statement; its own statement_timeout for its implicit transaction when
  /// it is not the connection's). `attempt` 1 is the transparent retry of a statement that
  /// went stale.
  void start(std::shared_ptr<Job> job, int attempt = 0);

  /// Calls sent or waiting for their statement's description.
  std::size_t depth() const { return calls_; }
  /// True when the oldest call in flight has waited more than `limit` for its answer: a slow
  /// statement holds the line, new calls should not queue behind it.
  bool stalled(Clock::time_point now, Clock::duration limit) const {
    return !steps_.empty() && now - head_since_ > limit;
  }
  /// Takes new calls (not broken, not retiring, not being given back).
  bool accepting() const { return state_ == State::open; }
  /// For a connection with nothing in flight that has been quiet for a while: reads what the
  /// server may have sent meanwhile (a termination). False when it is gone.
  bool check_quiet(Clock::time_point now);
  /// Gives the connection back to the pool once nothing is in flight (at once when drained).
  void retire();
  /// Fails everything in flight with `error` and closes the connection.
  void abort(const Error& error);

 private:
  enum class State { open, retiring, done };
  enum class Kind { execute, prepare, command };

  // One protocol exchange ended by its own Sync, answered in order.
  struct Step {
    Kind kind = Kind::execute;
    std::shared_ptr<Job> job;        // execute
    int attempt = 0;                 // execute
    std::optional<Collect> collect;  // execute
    bool single_row = false;         // execute: single-row mode set
    bool prefix_pending = false;     // execute: its set_config (own timeout) not answered yet
    std::string sql, name;           // prepare
    std::optional<Error> error;      // prepare, command: the first failure
    PgResultPtr describe;            // prepare
    int answered = 0;                // prepare: successful answers so far
    std::int64_t sets_timeout = -1;  // command: SET statement_timeout to this
  };
  // A statement being prepared and the calls waiting for it.
  struct Pending {
    std::string name;
    std::vector<std::pair<std::shared_ptr<Job>, int>> calls;
  };

  void send_execute(std::shared_ptr<Job> job, std::shared_ptr<const Prepared> prepared,
                    int attempt);
  void send_prepare(const std::string& sql, std::shared_ptr<Job> job, int attempt);
  bool send_command(const std::string& sql, std::int64_t sets_timeout = -1);
  // The call could not be sent: it fails, and so does the connection (its pipeline is unknown).
  void send_failed(const std::shared_ptr<Job>& job, std::string_view what);
  void push_step(Step step);
  void flush();
  void cork();
  void uncork();
  void arm_read();
  void arm_write();
  void arm_timer();
  void on_readable();
  void on_timer();
  void process();
  void finish_step(Step& step);
  void finish_prepare(Step& step);
  void complete(const std::shared_ptr<Job>& job, Outcome outcome);
  void lost(const Error& error);
  void drained();
  void hand_back();
  void count_idle();
  void notify_group();
  void close_socket();

  boost::asio::any_io_executor executor_;
  std::unique_ptr<Connection> conn_;
  std::shared_ptr<Pool> pool_;
  std::weak_ptr<PipelineGroup> group_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds timeout_;  // the server's statement_timeout for these calls

  State state_ = State::open;
  std::deque<Step> steps_;                            // sent, answered in this order
  std::unordered_map<std::string, Pending> pending_;  // by SQL text
  std::size_t calls_ = 0;
  Clock::time_point head_since_;   // when the first step began waiting for its answer
  Clock::time_point quiet_since_;  // when the last step was answered
  bool reading_ = false, writing_ = false, timing_ = false;
  bool cancel_sent_ = false;
  bool corked_ = false;        // TCP_CORK set until the end of this executor turn
  bool idle_counted_ = false;  // counted in the pool's idle connections
};

}  // namespace throome::postgres::detail
