#pragma once

// One background thread for the blocking teardown of librdkafka handles (rd_kafka_destroy,
// rd_kafka_consumer_close, joining worker threads): whoever drops the last reference to a
// Kafka client or consumer, often an IO thread, only hands the work over. At process exit the
// thread finishes what is queued. Private to the Kafka adapter.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace throome::kafka::detail {

class Reaper {
 public:
  /// The process-wide reaper.
  static Reaper& instance();

  /// Runs `job` on the reaper thread (in order). Never blocks.
  void post(std::function<void()> job);

  /// Blocks until every job posted so far has run (tests, shutdown).
  void drain();

  ~Reaper();

 private:
  Reaper();
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t posted_ = 0, done_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace throome::kafka::detail
