#pragma once

// The gateway's librdkafka producer of one Kafka service: messages are produced without
// blocking (no RD_KAFKA_MSG_F_BLOCK), each with its request as msg_opaque; a dedicated poller
// thread serves rd_kafka_poll, and the delivery-report callback completes the waiting
// request by posting to the request's executor. Private to the Kafka adapter.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/kafka/conf.hpp"
#include "throome/adapters/kafka/client.hpp"

namespace throome::kafka::detail {

class ProduceOp;

/// The msg_opaque of one message: its request and its index there.
struct Slot {
  ProduceOp* op = nullptr;
  std::size_t index = 0;
};

/// The caller's side of a request: completed exactly once, by the last delivery report or by
/// the request deadline, whichever comes first. Thread-safe.
class Completion : public std::enable_shared_from_this<Completion> {
 public:
  explicit Completion(std::size_t n) { result_.outcomes.resize(n, kPending); }
  virtual ~Completion() = default;
  /// Records that message `i` landed (ignored once completed).
  void delivered(std::size_t i, std::int32_t partition, std::int64_t offset,
                 std::int64_t timestamp_ms);
  /// Records that message `i` failed. Failures with the same `key` (the librdkafka error
  /// code: within a request it says everything about the error) share one Error, which
  /// `make()` builds on the first. Ignored once completed.
  template <class MakeError>
  void failed(std::size_t i, int key, MakeError&& make) {
    std::lock_guard lock(mu_);
    if (done_) return;
    std::int32_t index = -1;
    for (const auto& [k, at] : keys_) {
      if (k == key) index = at;
    }
    if (index < 0) {
      index = static_cast<std::int32_t>(result_.errors.size());
      result_.errors.push_back(make());
      keys_.emplace_back(key, index);
    }
    result_.outcomes[i].error = index;
  }
  /// Completes with what is known (the last report arrived). `op` (the finished request,
  /// maybe null) is destroyed on the caller's thread, where its bytes were allocated.
  void finish(std::unique_ptr<ProduceOp> op);
  /// Completes now: messages without a report get `error` (the deadline passed).
  void expire(const Error& error);

 protected:
  virtual void deliver(BatchResult result, std::unique_ptr<ProduceOp> op) = 0;

 private:
  static constexpr BatchResult::Outcome kPending{-1, -1, -1, -2};
  /// Gives every message still pending `error` (mu_ held).
  void fail_pending(const Error& error);

  std::mutex mu_;
  bool done_ = false;
  BatchResult result_;
  std::vector<std::pair<int, std::int32_t>> keys_;  // failure key -> index in result_.errors
};

/// Completes an Asio handler on its associated executor (never inside librdkafka), keeping
/// that executor's context busy until then; a timer there enforces the request deadline.
template <class Handler>
class HandlerCompletion final : public Completion {
 public:
  HandlerCompletion(Handler handler, std::size_t n)
      : Completion(n),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                  boost::asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  /// Starts the deadline (on the caller's thread). The timer owns itself until its handler
  /// has run, so it is always destroyed on its own thread.
  void arm(std::chrono::milliseconds deadline, Error on_expiry) {
    auto timer = std::make_shared<boost::asio::steady_timer>(
        boost::asio::get_associated_executor(handler_), deadline);
    timer_ = timer;
    std::weak_ptr<Completion> weak = weak_from_this();
    timer->async_wait([timer, weak, e = std::move(on_expiry)](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->expire(e);
    });
  }

 private:
  void deliver(BatchResult results, std::unique_ptr<ProduceOp> op) override {
    boost::asio::post(work_, [h = std::move(handler_), r = std::move(results), t = timer_,
                              o = std::move(op)]() mutable {
      if (auto timer = t.lock()) timer->cancel();
      std::move(h)(std::move(r));
      o.reset();
    });
  }
  std::decay_t<decltype(boost::asio::prefer(
      std::declval<boost::asio::associated_executor_t<Handler>>(),
      boost::asio::execution::outstanding_work.tracked))>
      work_;
  Handler handler_;
  std::weak_ptr<boost::asio::steady_timer> timer_;
};

/// A request in flight: its batch stays alive (librdkafka references its bytes, no copy)
/// until every message got its delivery report; the last report deletes it.
class ProduceOp {
 public:
  ProduceOp(Batch batch, std::shared_ptr<Completion> completion);
  ProduceOp(const ProduceOp&) = delete;
  ProduceOp& operator=(const ProduceOp&) = delete;

  const Batch& batch() const { return batch_; }
  Slot* slot(std::size_t i) { return &slots_[i]; }

  /// Records the outcome of message `i` (see Completion); the last outcome completes the
  /// request (unless the deadline did) and deletes this object. Thread-safe.
  void delivered(std::size_t i, std::int32_t partition, std::int64_t offset,
                 std::int64_t timestamp_ms) {
    completion_->delivered(i, partition, offset, timestamp_ms);
    settled();
  }
  template <class MakeError>
  void failed(std::size_t i, int key, MakeError&& make) {
    completion_->failed(i, key, std::forward<MakeError>(make));
    settled();
  }

 private:
  void settled();  // one more message has its outcome

  Batch batch_;
  std::vector<Slot> slots_;
  std::shared_ptr<Completion> completion_;
  std::atomic<std::size_t> remaining_;
};

class Producer {
 public:
  /// Builds the producer and starts its poller thread. A configuration librdkafka rejects
  /// leaves it broken: every produce fails with that error.
  explicit Producer(ClientOptions options);
  /// Blocking: stops the poller, fails what is queued, destroys the librdkafka handle. Run it
  /// off the IO threads (the client hands it to the reaper).
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Publishes the messages of `batch`; completes with one outcome per message, on the
  /// handler's executor, at the latest when the request deadline (options.timeout) passes.
  template <class Token>
  auto async_produce(Batch batch, Token&& token) {
    return boost::asio::async_initiate<Token, void(BatchResult)>(
        [this](auto handler, Batch b) {
          using H = std::decay_t<decltype(handler)>;
          auto completion = std::make_shared<HandlerCompletion<H>>(std::move(handler), b.size());
          completion->arm(options_.timeout, deadline_error());
          produce(new ProduceOp(std::move(b), std::move(completion)));
        },
        token, std::move(batch));
  }

  /// Enqueues every message of `op` (never blocks); `op` completes through its reports.
  void produce(ProduceOp* op);

  /// Blocking: waits up to `timeout` for every queued message's delivery report, then purges
  /// the rest (their requests complete with an error). Every request is complete afterwards.
  void settle(std::chrono::milliseconds timeout);

  /// The configuration error, when the producer could not be built.
  const std::optional<Error>& broken() const { return broken_; }
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  rd_kafka_t* build(std::string& error);
  /// Enqueues every message of `op` (no headers) on `rkt` with one rd_kafka_produce_batch
  /// call (caller holds mu_ shared).
  void produce_batch(ProduceOp* op, rd_kafka_topic_t* rkt);
  /// Settles message `i` of `op` as failed with librdkafka's `code`.
  void fail(ProduceOp* op, std::size_t i, rd_kafka_resp_err_t code);
  Error deadline_error() const;
  /// The cached topic handle of `topic` on rk_ (caller holds mu_ shared), or nullptr.
  rd_kafka_topic_t* topic_handle(const std::string& topic);
  void drop_topic_handles();  // with mu_ held exclusively (or no other user left)
  void poll_loop();
  void restart();  // replaces a producer that failed fatally (poller thread)
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  ClientOptions options_;
  Properties properties_;
  std::optional<Error> broken_;
  mutable std::shared_mutex mu_;  // rk_ swaps (restart) against produce calls
  rd_kafka_t* rk_ = nullptr;
  // Topic handles of rk_: produce by handle, not by name (by name, librdkafka takes its
  // handle-wide write lock for every message).
  std::mutex topics_mu_;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> fatal_{false};
  std::atomic<bool> healthy_{true};
  std::thread poller_;
};

}  // namespace throome::kafka::detail
