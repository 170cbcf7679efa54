#include "adapters/kafka/producer.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "adapters/kafka/errors.hpp"
#include "throome/monitor/log_rate_limiter.hpp"

namespace throome::kafka::detail {

void Completion::delivered(std::size_t i, std::int32_t partition, std::int64_t offset,
                           std::int64_t timestamp_ms) {
  std::lock_guard lock(mu_);
  if (done_) return;
  result_.outcomes[i] = BatchResult::Outcome{offset, timestamp_ms, partition, -1};
}

void Completion::fail_pending(const Error& error) {
  std::int32_t index = -1;
  for (auto& o : result_.outcomes) {
    if (o.error != kPending.error) continue;
    if (index < 0) {
      index = static_cast<std::int32_t>(result_.errors.size());
      result_.errors.push_back(error);
    }
    o.error = index;
  }
}

void Completion::finish(std::unique_ptr<ProduceOp> op) {
  BatchResult out;
  {
    std::lock_guard lock(mu_);
    if (done_) return;  // answered at the deadline already; `op` goes here
    done_ = true;
    fail_pending(Error(Errc::internal, "not delivered"));  // none: every message settled
    out = std::move(result_);
  }
  deliver(std::move(out), std::move(op));
}

void Completion::expire(const Error& error) {
  BatchResult out;
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    done_ = true;
    fail_pending(error);
    out = std::move(result_);
  }
  deliver(std::move(out), nullptr);
}

ProduceOp::ProduceOp(Batch batch, std::shared_ptr<Completion> completion)
    : batch_(std::move(batch)),
      slots_(batch_.size()),
      completion_(std::move(completion)),
      remaining_(batch_.size()) {
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] = Slot{this, i};
  if (batch_.empty()) completion_->finish(nullptr);
}

void ProduceOp::settled() {
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

void Producer::fail(ProduceOp* op, std::size_t i, rd_kafka_resp_err_t code) {
  if (code == RD_KAFKA_RESP_ERR__FATAL) fatal_ = true;
  op->failed(i, code, [&] { return delivery_error(code, op->batch().topic(), options_.timeout); });
}

void Producer::produce(ProduceOp* op) {
  const Batch& batch = op->batch();
  const std::size_t n = batch.size();
  if (n == 0) {
    delete op;  // completed at construction
    return;
  }
  if (broken_) {
    for (std::size_t i = 0; i < n; ++i) op->failed(i, INT32_MIN, [this] { return *broken_; });
    return;
  }
  // Once the last message is enqueued its report may arrive (and delete `op`) at any moment:
  // nothing of `op` (or `batch`) is touched after a successful produce of message n-1.
  std::shared_lock lock(mu_);
  rd_kafka_topic_t* rkt = topic_handle(batch.topic());
  if (n > 1 && rkt != nullptr && !batch.has_headers()) {
    produce_batch(op, rkt);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto& hs = batch.headers(i);
    rd_kafka_headers_t* headers = nullptr;
    if (!hs.empty()) {
      headers = rd_kafka_headers_new(hs.size());
      for (const auto& h : hs) {
        rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    std::array<rd_kafka_vu_t, 7> vu{};
    std::size_t c = 0;
    if (rkt != nullptr) {
      vu[c].vtype = RD_KAFKA_VTYPE_RKT;
      vu[c++].u.rkt = rkt;
    } else {
      vu[c].vtype = RD_KAFKA_VTYPE_TOPIC;  // the handle cache is full
      vu[c++].u.cstr = batch.topic().c_str();
    }
    vu[c].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[c++].u.i32 = batch.partition(i);
    const auto value = batch.value(i);
    vu[c].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[c].u.mem.ptr = value ? const_cast<char*>(value->data()) : nullptr;
    vu[c++].u.mem.size = value ? value->size() : 0;
    if (const auto key = batch.key(i)) {
      vu[c].vtype = RD_KAFKA_VTYPE_KEY;
      vu[c].u.mem.ptr = const_cast<char*>(key->data());
      vu[c++].u.mem.size = key->size();
    }
    vu[c].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[c++].u.ptr = op->slot(i);
    vu[c].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    // No copy, no free: the op keeps the bytes alive until the report; never F_BLOCK.
    vu[c++].u.i = 0;
    if (headers != nullptr) {
      vu[c].vtype = RD_KAFKA_VTYPE_HEADERS;
      vu[c++].u.headers = headers;
    }
    rd_kafka_error_t* e = rd_kafka_produceva(rk_, vu.data(), c);
    if (e != nullptr) {
      const rd_kafka_resp_err_t code = rd_kafka_error_code(e);
      rd_kafka_error_destroy(e);
      if (headers != nullptr) rd_kafka_headers_destroy(headers);  // not taken on failure
      fail(op, i, code);
    }
  }
}

void Producer::produce_batch(ProduceOp* op, rd_kafka_topic_t* rkt) {
  // One call for the whole batch: librdkafka takes the topic lock and reads the clocks once,
  // not per message (both showed in the profile of batched publish).
  const Batch& batch = op->batch();
  const std::size_t n = batch.size();
  std::vector<rd_kafka_message_t> messages(n);
  for (std::size_t i = 0; i < n; ++i) {
    rd_kafka_message_t& rm = messages[i];
    const auto value = batch.value(i);
    const auto key = batch.key(i);
    rm.partition = batch.partition(i);
    rm.payload = value ? const_cast<char*>(value->data()) : nullptr;
    rm.len = value ? value->size() : 0;
    rm.key = key ? const_cast<char*>(key->data()) : nullptr;
    rm.key_len = key ? key->size() : 0;
    rm._private = op->slot(i);
  }
  // Neither RD_KAFKA_MSG_F_COPY nor F_FREE: librdkafka references the batch's bytes, which
  // the op owns until the last report, and frees nothing of them (a message it rejects here
  // gets no report: it is settled below, once). Each message to its own partition, or
  // partitioned.
  const int queued = rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_PARTITION,
                                            messages.data(), static_cast<int>(n));
  if (queued == static_cast<int>(n)) return;
  // The op cannot complete before these failures are settled: reading it is still safe.
  for (std::size_t i = 0; i < n; ++i) {
    if (messages[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) fail(op, i, messages[i].err);
  }
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto* slot = static_cast<Slot*>(msg->_private);
  if (slot == nullptr || slot->op == nullptr) return;
  ProduceOp* op = slot->op;
  const std::size_t i = slot->index;
  try {
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->fail(op, i, msg->err);
      return;
    }
    self->healthy_.store(true, std::memory_order_relaxed);
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const std::int64_t ts = rd_kafka_message_timestamp(msg, &type);
    // The message's own (create) time; a broker's log-append time is not reported here.
    op->delivered(i, msg->partition, msg->offset, type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? ts : -1);
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
