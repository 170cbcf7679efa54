#pragma once

// One librdkafka consumer (a group member or an assigned reader) driven by an io_context
// without blocking it: librdkafka signals a non-empty queue by writing to a pipe
// (rd_kafka_queue_io_event_enable) whose read end the io_context watches, and the consumer
// is then polled with a zero timeout. Blocking calls (creation, subscribe, assign) run on
// worker threads; closing runs on the reaper. Private to the Kafka adapter.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/kafka/conf.hpp"
#include "throome/adapters/kafka/types.hpp"
#include "throome/common/error.hpp"

namespace throome::kafka::detail {

class ConsumerInstance : public std::enable_shared_from_this<ConsumerInstance> {
 public:
  using Executor = boost::asio::io_context::executor_type;

  /// Blocking (a worker thread): builds the consumer; its queue wakes `home`.
  /// @return the instance, or Errc::bad_request when librdkafka rejects the configuration.
  static Result<std::shared_ptr<ConsumerInstance>> create(boost::asio::io_context& home,
                                                          const Properties& properties,
                                                          ConsumerRole role, std::string label,
                                                          std::chrono::milliseconds timeout);

  ~ConsumerInstance();
  ConsumerInstance(const ConsumerInstance&) = delete;
  ConsumerInstance& operator=(const ConsumerInstance&) = delete;

  /// The context every call below (except the blocking ones) must run on.
  Executor executor() const { return executor_; }

  /// Blocking (worker thread, no fetch running): subscribes to `topics`.
  Result<void> subscribe(const std::vector<std::string>& topics);
  /// Blocking (worker thread, no fetch running): reads `topic` from `positions`; fetch then
  /// returns only records at or after them, and positions() follows what it returned.
  Result<void> assign(const std::string& topic, const std::vector<Position>& positions);
  /// Blocking (worker thread, no fetch running): drops the assignment.
  void unassign();

  /// On executor(): waits up to `options.timeout` for the first record, then returns what is
  /// queued (within the limits). Calls on one instance run one at a time, in order.
  boost::asio::awaitable<Result<std::vector<Record>>> fetch(FetchOptions options);
  /// On executor(): commits `offsets`, or (empty) the offsets of every record returned so far.
  boost::asio::awaitable<Result<std::vector<Offset>>> commit(std::vector<Offset> offsets);

  /// Any thread: interrupts a waiting fetch; once no call runs, closes the consumer in the
  /// background (leaving its group when `leave_group`). Idempotent.
  void close(bool leave_group = true);

  /// On executor(): the next offset per assigned partition (readers).
  std::vector<Position> positions() const;

  /// Calls in progress or waiting (the idle expiry skips instances in use).
  void enter() { users_.fetch_add(1, std::memory_order_relaxed); }
  void leave();
  bool in_use() const { return users_.load(std::memory_order_relaxed) > 0; }
  bool closing() const { return closing_.load(std::memory_order_relaxed); }
  std::chrono::steady_clock::time_point last_used() const;

  ConsumerInstance(boost::asio::io_context& home, rd_kafka_t* rk, int read_fd, int write_fd,
                   ConsumerRole role, std::string label, std::chrono::milliseconds timeout);

 private:
  class Turn;
  boost::asio::awaitable<void> acquire();
  void release();
  boost::asio::awaitable<void> wait_signal(std::chrono::steady_clock::time_point until);
  void drain_signal();
  boost::asio::awaitable<void> close_when_idle(bool leave_group);
  void detach(bool leave_group);  // hands librdkafka to the reaper
  void touch();

  Executor executor_;
  rd_kafka_t* rk_;
  rd_kafka_queue_t* queue_;         // the consumer queue (records, rebalances, errors)
  rd_kafka_queue_t* commit_queue_;  // commit results
  int write_fd_;
  boost::asio::posix::stream_descriptor signal_;  // read end of the wake-up pipe
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer turn_;  // never expires: a condition variable for acquire()
  ConsumerRole role_;
  std::string label_;
  std::chrono::milliseconds timeout_;
  std::uint64_t next_ticket_ = 0;  // acquire(): the next caller's place in line
  std::uint64_t serving_ = 0;      // the ticket whose call runs now
  bool detached_ = false;
  std::uintptr_t commit_seq_ = 0;
  std::string topic_;                          // readers: the assigned topic
  std::map<std::int32_t, std::int64_t> next_;  // readers: next offset per partition
  std::atomic<bool> closing_{false};
  std::atomic<int> users_{0};
  std::atomic<std::int64_t> last_used_ns_{0};
};

using ConsumerPtr = std::shared_ptr<ConsumerInstance>;

}  // namespace throome::kafka::detail
