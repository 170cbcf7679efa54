#pragma once

// The pipelined connections of one IO thread (or one strand): single statements run here
// without leaving the thread. A call takes a connection with nothing in flight, else a new one
// lent by the pool (up to this group's share of pool.max_connections), else joins the
// pipeline of the least busy connection whose oldest call is answered promptly. When none
// can take it (every connection stalled behind slow statements, or the pool has calls
// waiting), the call waits in the pool's bounded queue like any other and runs on a worker.
// Private to the Postgres adapter.

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

#include "adapters/postgres/pipeline_connection.hpp"
#include "adapters/postgres/pool.hpp"

namespace throome::postgres::detail {

class PipelineGroup : public std::enable_shared_from_this<PipelineGroup> {
 public:
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

 private:
  void on_opened(Result<std::unique_ptr<Connection>> opened);
  void prune();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<Pool> pool_;
  std::size_t share_;
  std::vector<std::shared_ptr<PipelineConnection>> conns_;
  std::size_t opening_ = 0;
  // Calls waiting for a connection being opened: one list per open.
  std::deque<std::vector<std::shared_ptr<Job>>> connecting_;
  bool closed_ = false;
};

}  // namespace throome::postgres::detail
