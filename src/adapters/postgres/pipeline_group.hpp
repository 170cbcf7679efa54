#pragma once

// The pipelined connections of one IO thread (or one strand): single statements run here
// without leaving the thread. A call takes a connection with nothing in flight, else a new one
// lent by the pool (up to this group's share of pool.max_connections), else joins the
// pipeline of the least busy connection whose oldest call is answered promptly. When every
// connection is stalled behind something slow, the call waits here (bounded like the pool's
// queue: options.max_waiting, pool.wait_timeout_ms) for the first one that answers. When the
// pool has calls waiting (a transaction needs a connection), calls join the pool's queue and
// run on a worker, and pipelines give their connections back as they drain.
// Private to the Postgres adapter.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

#include "adapters/postgres/pipeline_connection.hpp"
#include "adapters/postgres/pool.hpp"

namespace throome::postgres::detail {

class PipelineGroup : public std::enable_shared_from_this<PipelineGroup> {
 public:
  using Clock = std::chrono::steady_clock;

  /// `share`: the most connections this group holds at once.
  PipelineGroup(boost::asio::any_io_executor executor, std::shared_ptr<Pool> pool,
                std::size_t share);

  const boost::asio::any_io_executor& executor() const { return executor_; }
  /// Runs `job` (on executor()). Completes it exactly once.
  void submit(std::shared_ptr<Job> job);
  /// Gives drained connections back to the pool (thread-safe).
  void reclaim();
  /// Fails what is in flight and gives every connection back (thread-safe).
  void close();
  /// A connection answered or drained: calls waiting for one go now.
  void dispatch();
  /// True while calls wait here.
  bool has_waiting() const { return !waiting_.empty(); }

 private:
  void on_opened(Result<std::unique_ptr<Connection>> opened);
  void prune();
  PipelineConnection* pick(Clock::time_point now);
  void wait(std::shared_ptr<Job> job, Clock::time_point now);
  void arm_expiry();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<Pool> pool_;
  std::size_t share_;
  std::size_t depth_;  // calls in flight per connection (options.pipeline_depth)
  std::vector<std::shared_ptr<PipelineConnection>> conns_;
  std::size_t opening_ = 0;
  // Calls waiting for a connection being opened: one list per open.
  std::deque<std::vector<std::shared_ptr<Job>>> connecting_;
  std::deque<std::shared_ptr<Job>> waiting_;  // for a connection that is not stalled
  boost::asio::steady_timer expiry_;          // of the oldest waiting call
  bool expiry_armed_ = false;
  bool closed_ = false;
};

}  // namespace throome::postgres::detail
