#include "adapters/kafka/producer.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "adapters/kafka/errors.hpp"
#include "throome/monitor/log_rate_limiter.hpp"

namespace throome::kafka::detail {

void Completion::set(std::size_t i, Result<Delivery> result) {
  std::lock_guard lock(mu_);
  if (done_) return;
  results_[i] = std::move(result);
  settled_[i] = 1;
}

void Completion::finish(std::unique_ptr<ProduceOp> op) {
  Deliveries out;
  {
    std::lock_guard lock(mu_);
    if (done_) return;  // answered at the deadline already; `op` goes here
    done_ = true;
    out = std::move(results_);
  }
  deliver(std::move(out), std::move(op));
}

void Completion::expire(const Error& error) {
  Deliveries out;
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    done_ = true;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (!settled_[i]) results_[i] = error;
    }
    out = std::move(results_);
  }
  deliver(std::move(out), nullptr);
}

ProduceOp::ProduceOp(std::vector<Message> messages, std::shared_ptr<Completion> completion)
    : messages_(std::move(messages)),
      slots_(messages_.size()),
      completion_(std::move(completion)),
      remaining_(messages_.size()) {
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] = Slot{this, i};
  if (messages_.empty()) completion_->finish(nullptr);
}

void ProduceOp::settle(std::size_t i, Result<Delivery> result) {
  completion_->set(i, std::move(result));
  if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The request's bytes were allocated on its IO thread: they are freed there too (glibc
    // arenas contend when another thread frees them). `c` outlives `this`.
    auto c = completion_;
    c->finish(std::unique_ptr<ProduceOp>(this));
  }
}

Error Producer::deadline_error() const {
  return Error(
      Errc::backend_unavailable,
      "kafka did not acknowledge the message within " + std::to_string(options_.timeout.count()) +
          " ms",
      {{"kafka_error", "_MSG_TIMED_OUT"},
       {"kafka_message", "request deadline passed; the message may still be delivered later"}});
}

Producer::Producer(ClientOptions options)
    : options_(std::move(options)), properties_(producer_properties(options_)) {
  std::string error;
  rk_ = build(error);
  if (rk_ == nullptr) {
    broken_ = Error(Errc::backend_unavailable,
                    "kafka service " + options_.name + " is misconfigured", error);
    spdlog::error("kafka {}: producer not started: {}", options_.name, error);
    return;
  }
  poller_ = std::thread([this] { poll_loop(); });
}

rd_kafka_t* Producer::build(std::string& error) {
  auto conf = make_conf(properties_);
  if (!conf) {
    const Error e = conf.error();
    error = e.message() + ": " + e.details().get<std::string>();
    return nullptr;
  }
  rd_kafka_conf_set_opaque(*conf, this);
  rd_kafka_conf_set_dr_msg_cb(*conf, &Producer::on_delivery);
  rd_kafka_conf_set_error_cb(*conf, &Producer::on_error);
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err.data(), err.size());
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    error = err.data();
  }
  return rk;
}

Producer::~Producer() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  if (rk_ == nullptr) return;
  drop_topic_handles();
  // Fail what is still queued (requests complete with 503) and serve the reports.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(rk_, 1'000);
  rd_kafka_destroy(rk_);
}

void Producer::settle(std::chrono::milliseconds timeout) {
  std::shared_lock lock(mu_);
  if (rk_ == nullptr) return;
  if (rd_kafka_flush(rk_, static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(rk_, 1'000);  // serves the purged messages' reports
}

void Producer::poll_loop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    rd_kafka_t* rk = nullptr;
    {
      std::shared_lock lock(mu_);
      rk = rk_;
    }
    rd_kafka_poll(rk, 100);  // serves delivery reports and errors
    if (fatal_.load(std::memory_order_relaxed)) restart();
  }
}

void Producer::restart() {
  std::array<char, 512> reason{};
  {
    std::shared_lock lock(mu_);
    rd_kafka_fatal_error(rk_, reason.data(), reason.size());
  }
  spdlog::error("kafka {}: producer failed fatally ({}); starting a new one", options_.name,
                reason.data());
  std::string error;
  rd_kafka_t* fresh = build(error);
  if (fresh == nullptr) {
    spdlog::error("kafka {}: cannot restart the producer: {}", options_.name, error);
    return;  // fatal_ stays set: retried on the next loop turn
  }
  rd_kafka_t* old = nullptr;
  {
    std::unique_lock lock(mu_);
    drop_topic_handles();
    old = rk_;
    rk_ = fresh;
    fatal_ = false;
  }
  // Every message of the old producer fails now (its requests get 503 and may be retried).
  rd_kafka_purge(old, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(old, 1'000);
  rd_kafka_destroy(old);
}

rd_kafka_topic_t* Producer::topic_handle(const std::string& topic) {
  constexpr std::size_t kMaxCachedTopics = 10'000;
  std::lock_guard lock(topics_mu_);
  if (auto it = topics_.find(topic); it != topics_.end()) return it->second;
  if (topics_.size() >= kMaxCachedTopics) return nullptr;  // produce by name instead
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  if (rkt != nullptr) topics_.emplace(topic, rkt);
  return rkt;
}

void Producer::drop_topic_handles() {
  std::lock_guard lock(topics_mu_);
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  topics_.clear();
}

void Producer::produce(ProduceOp* op) {
  auto& messages = op->messages();
  const std::size_t n = messages.size();
  if (n == 0) {
    delete op;  // completed at construction
    return;
  }
  if (broken_) {
    const Error e = *broken_;
    for (std::size_t i = 0; i < n; ++i) op->settle(i, e);
    return;
  }
  std::shared_lock lock(mu_);
  if (n > 1 && produce_batch(op)) return;
  rd_kafka_topic_t* rkt = nullptr;
  const std::string* rkt_name = nullptr;  // the topic `rkt` is for (batches share one)
  for (std::size_t i = 0; i < n; ++i) {
    // Once the last message is enqueued its report may arrive (and delete `op`) at any
    // moment: nothing of `op` is touched after a successful produce of message n-1.
    Message& m = messages[i];
    rd_kafka_headers_t* headers = nullptr;
    if (!m.headers.empty()) {
      headers = rd_kafka_headers_new(m.headers.size());
      for (const auto& h : m.headers) {
        rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    std::array<rd_kafka_vu_t, 7> vu{};
    std::size_t c = 0;
    if (rkt_name == nullptr || *rkt_name != m.topic) {
      rkt = topic_handle(m.topic);
      rkt_name = &m.topic;
    }
    if (rkt != nullptr) {
      vu[c].vtype = RD_KAFKA_VTYPE_RKT;
      vu[c++].u.rkt = rkt;
    } else {
      vu[c].vtype = RD_KAFKA_VTYPE_TOPIC;
      vu[c++].u.cstr = m.topic.c_str();
    }
    vu[c].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[c++].u.i32 = m.partition;
    vu[c].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[c].u.mem.ptr = m.value ? m.value->data() : nullptr;
    vu[c++].u.mem.size = m.value ? m.value->size() : 0;
    if (m.key) {
      vu[c].vtype = RD_KAFKA_VTYPE_KEY;
      vu[c].u.mem.ptr = m.key->data();
      vu[c++].u.mem.size = m.key->size();
    }
    vu[c].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[c++].u.ptr = op->slot(i);
    vu[c].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[c++].u.i = 0;  // no copy (the op keeps the bytes alive), never RD_KAFKA_MSG_F_BLOCK
    if (headers != nullptr) {
      vu[c].vtype = RD_KAFKA_VTYPE_HEADERS;
      vu[c++].u.headers = headers;
    }
    rd_kafka_error_t* e = rd_kafka_produceva(rk_, vu.data(), c);
    if (e != nullptr) {
      const rd_kafka_resp_err_t code = rd_kafka_error_code(e);
      rd_kafka_error_destroy(e);
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      if (code == RD_KAFKA_RESP_ERR__FATAL) fatal_ = true;
      Error failure = delivery_error(code, m.topic, options_.timeout);
      op->settle(i, std::move(failure));
    }
  }
}

bool Producer::produce_batch(ProduceOp* op) {
  auto& messages = op->messages();
  const std::string& topic = messages.front().topic;
  for (const Message& m : messages) {
    if (!m.headers.empty() || m.topic != topic) return false;  // not what the batch call carries
  }
  rd_kafka_topic_t* rkt = topic_handle(topic);
  if (rkt == nullptr) return false;
  // One call for the whole batch: librdkafka takes the topic lock and reads the clocks once,
  // not per message (both showed in the profile of batched publish).
  const std::size_t n = messages.size();
  std::vector<rd_kafka_message_t> batch(n);
  for (std::size_t i = 0; i < n; ++i) {
    Message& m = messages[i];
    rd_kafka_message_t& rm = batch[i];
    rm.partition = m.partition;
    rm.payload = m.value ? m.value->data() : nullptr;
    rm.len = m.value ? m.value->size() : 0;
    rm.key = m.key ? m.key->data() : nullptr;
    rm.key_len = m.key ? m.key->size() : 0;
    rm._private = op->slot(i);
  }
  // No copy (the op keeps the bytes alive); each message to its own partition, or partitioned.
  const int queued = rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_PARTITION,
                                            batch.data(), static_cast<int>(n));
  if (queued == static_cast<int>(n)) return true;
  // The op cannot complete before these failures are settled: reading `topic` is still safe.
  for (std::size_t i = 0; i < n; ++i) {
    const rd_kafka_resp_err_t code = batch[i].err;
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (code == RD_KAFKA_RESP_ERR__FATAL) fatal_ = true;
    op->settle(i, delivery_error(code, topic, options_.timeout));
  }
  return true;
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto* slot = static_cast<Slot*>(msg->_private);
  if (slot == nullptr || slot->op == nullptr) return;
  ProduceOp* op = slot->op;
  const std::size_t i = slot->index;
  try {
    const std::string& topic = op->messages()[i].topic;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->err == RD_KAFKA_RESP_ERR__FATAL) self->fatal_ = true;
      Error failure = delivery_error(msg->err, topic, self->options_.timeout);
      op->settle(i, std::move(failure));
      return;
    }
    self->healthy_.store(true, std::memory_order_relaxed);
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const std::int64_t ts = rd_kafka_message_timestamp(msg, &type);
    // The message's own (create) time; a broker's log-append time is not reported here.
    op->settle(i, Delivery{topic, msg->partition, msg->offset,
                           type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? ts : -1});
  } catch (...) {
    // Nothing may cross into C; an allocation failure leaves the message's request failed.
  }
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  try {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->healthy_ = false;
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      self->healthy_ = false;
      self->fatal_ = true;
    }
    monitor::log_limited(
        spdlog::level::warn,
        fmt::format("kafka {} ({}): {}: {}", self->options_.name, rd_kafka_name(rk),
                    rd_kafka_err2name(code), reason != nullptr ? reason : ""));
  } catch (...) {
  }
}

}  // namespace throome::kafka::detail
