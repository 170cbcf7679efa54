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
#include <vector>

#include "adapters/kafka/conf.hpp"
#include "throome/adapters/kafka/client.hpp"

namespace throome::kafka::detail {

using Deliveries = std::vector<Result<Delivery>>;

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
  explicit Completion(std::size_t n)
      : results_(n, Error(Errc::internal, "not delivered")), settled_(n, 0) {}
  virtual ~Completion() = default;
  /// Records the outcome of message `i` (ignored once completed).
  void set(std::size_t i, Result<Delivery> result);
  /// Completes with what is known (the last report arrived). `op` (the finished request,
  /// maybe null) is destroyed on the caller's thread, where its bytes were allocated.
  void finish(std::unique_ptr<ProduceOp> op);
  /// Completes now: messages without a report get `error` (the deadline passed).
  void expire(const Error& error);

 protected:
  virtual void deliver(Deliveries results, std::unique_ptr<ProduceOp> op) = 0;

 private:
  std::mutex mu_;
  bool done_ = false;
  Deliveries results_;
  std::vector<char> settled_;
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
  void deliver(Deliveries results, std::unique_ptr<ProduceOp> op) override {
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

/// A request in flight: its messages stay alive (librdkafka references their bytes, no copy)
/// until every one got its delivery report; the last report deletes it.
class ProduceOp {
 public:
  ProduceOp(std::vector<Message> messages, std::shared_ptr<Completion> completion);
  ProduceOp(const ProduceOp&) = delete;
  ProduceOp& operator=(const ProduceOp&) = delete;

  std::vector<Message>& messages() { return messages_; }
  Slot* slot(std::size_t i) { return &slots_[i]; }

  /// Records the outcome of message `i`; the last outcome completes the request (unless the
  /// deadline did) and deletes this object. Thread-safe.
  void settle(std::size_t i, Result<Delivery> result);

 private:
  std::vector<Message> messages_;
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

  /// Publishes `messages`; completes with one result per message, on the handler's executor,
  /// at the latest when the request deadline (options.timeout) passes.
  template <class Token>
  auto async_produce(std::vector<Message> messages, Token&& token) {
    return boost::asio::async_initiate<Token, void(Deliveries)>(
        [this](auto handler, std::vector<Message> msgs) {
          using H = std::decay_t<decltype(handler)>;
          auto completion = std::make_shared<HandlerCompletion<H>>(std::move(handler), msgs.size());
          completion->arm(options_.timeout, deadline_error());
          produce(new ProduceOp(std::move(msgs), std::move(completion)));
        },
        token, std::move(messages));
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
  /// Enqueues `op` with one rd_kafka_produce_batch call (caller holds mu_ shared) when every
  /// message has the same topic and no headers. @return false when it did not (nothing sent).
  bool produce_batch(ProduceOp* op);
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
