#include "adapters/kafka/consumer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/kafka/errors.hpp"
#include "adapters/kafka/reaper.hpp"
#include "throome/monitor/log_rate_limiter.hpp"

namespace throome::kafka::detail {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
// Wake up at least this often while waiting, whatever the pipe says.
constexpr auto kMaxSleep = std::chrono::milliseconds(200);
// Once a fetch has records, it waits at most this long for more.
constexpr auto kLinger = std::chrono::milliseconds(5);
constexpr char kSignal[] = "1";

Record to_record(const rd_kafka_message_t* m) {
  Record r;
  r.topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->key != nullptr) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.emplace(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      Header h{name != nullptr ? name : "", std::nullopt};
      if (value != nullptr) h.value.emplace(static_cast<const char*>(value), size);
      r.headers.push_back(std::move(h));
    }
  }
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
  if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
    r.timestamp_ms = ts;
    r.timestamp_type = type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "create_time" : "log_append_time";
  }
  return r;
}

std::size_t size_of(const Record& r) {
  std::size_t n = (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& h : r.headers) n += h.name.size() + (h.value ? h.value->size() : 0);
  return n;
}

}  // namespace

// Holds the instance's turn for one call (everything runs on the instance's own thread).
class ConsumerInstance::Turn {
 public:
  explicit Turn(ConsumerInstance& c) : c_(c) {}
  ~Turn() { c_.release(); }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  ConsumerInstance& c_;
};

Result<std::shared_ptr<ConsumerInstance>> ConsumerInstance::create(
    asio::io_context& home, const Properties& properties, ConsumerRole role, std::string label,
    std::chrono::milliseconds timeout) {
  auto conf = make_conf(properties);
  if (!conf) return conf.error();
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err.data(), err.size());
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return Error(Errc::bad_request, "invalid kafka consumer configuration",
                 std::string(err.data()));
  }
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    rd_kafka_destroy(rk);
    return Error(Errc::internal, "cannot create a pipe for a kafka consumer");
  }
  return std::make_shared<ConsumerInstance>(home, rk, fds[0], fds[1], role, std::move(label),
                                            timeout);
}

ConsumerInstance::ConsumerInstance(asio::io_context& home, rd_kafka_t* rk, int read_fd,
                                   int write_fd, ConsumerRole role, std::string label,
                                   std::chrono::milliseconds timeout)
    : executor_(home.get_executor()),
      rk_(rk),
      queue_(nullptr),
      commit_queue_(nullptr),
      write_fd_(write_fd),
      signal_(home, read_fd),
      wake_(home),
      turn_(home, Clock::time_point::max()),
      role_(role),
      label_(std::move(label)),
      timeout_(timeout) {
  rd_kafka_poll_set_consumer(rk_);  // rebalances, errors and logs all on the consumer queue
  queue_ = rd_kafka_queue_get_consumer(rk_);
  commit_queue_ = rd_kafka_queue_new(rk_);
  rd_kafka_queue_io_event_enable(queue_, write_fd_, kSignal, 1);
  rd_kafka_queue_io_event_enable(commit_queue_, write_fd_, kSignal, 1);
  touch();
}

ConsumerInstance::~ConsumerInstance() { detach(true); }

void ConsumerInstance::detach(bool leave_group) {
  if (detached_) return;
  detached_ = true;
  // No more writes to the pipe; then the read end can close.
  rd_kafka_queue_io_event_enable(queue_, -1, nullptr, 0);
  rd_kafka_queue_io_event_enable(commit_queue_, -1, nullptr, 0);
  boost::system::error_code ignore;
  signal_.close(ignore);
  Reaper::instance().post([rk = rk_, q = queue_, cq = commit_queue_, fd = write_fd_,
                           leave = leave_group && role_ == ConsumerRole::group, label = label_] {
    if (leave) {
      // Commits (auto commit) and leaves the group; bounded by session.timeout.ms.
      const rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::warn("kafka consumer {}: close: {}", label, rd_kafka_err2str(err));
      }
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_queue_destroy(cq);
    if (leave) {
      rd_kafka_destroy(rk);
    } else {
      rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    ::close(fd);
  });
}

void ConsumerInstance::touch() {
  last_used_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
}

Clock::time_point ConsumerInstance::last_used() const {
  return Clock::time_point(Clock::duration(last_used_ns_.load(std::memory_order_relaxed)));
}

void ConsumerInstance::leave() {
  touch();
  users_.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> ConsumerInstance::acquire() {
  // First come, first served: a caller that fetches again right after its turn must not
  // overtake one already waiting (a commit behind back-to-back stream fetches).
  const std::uint64_t ticket = next_ticket_++;
  while (ticket != serving_) {
    auto [ec] = co_await turn_.async_wait(use_nothrow);
    (void)ec;  // cancelled by release(): look again
  }
}

void ConsumerInstance::release() {
  ++serving_;
  turn_.cancel();  // wakes every waiter; the one holding the next ticket goes on
}

void ConsumerInstance::drain_signal() {
  std::array<char, 64> buf{};
  while (::read(signal_.native_handle(), buf.data(), buf.size()) > 0) {
  }
}

asio::awaitable<void> ConsumerInstance::wait_signal(Clock::time_point until) {
  until = std::min(until, Clock::now() + kMaxSleep);
  wake_.expires_at(until);
  std::weak_ptr<ConsumerInstance> weak = weak_from_this();
  wake_.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      boost::system::error_code ignore;
      self->signal_.cancel(ignore);
    }
  });
  auto [ec] = co_await signal_.async_wait(asio::posix::descriptor_base::wait_read, use_nothrow);
  (void)ec;  // readable, woken by the timer, or closing: the caller looks again
  wake_.cancel();
}

Result<void> ConsumerInstance::subscribe(const std::vector<std::string>& topics) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return consumer_error(err, "cannot subscribe");
  return {};
}

Result<void> ConsumerInstance::assign(const std::string& topic,
                                      const std::vector<Position>& positions) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(positions.size()));
  for (const auto& p : positions) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition)->offset = p.offset;
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return consumer_error(err, "cannot assign partitions");
  topic_ = topic;
  next_.clear();
  for (const auto& p : positions) next_[p.partition] = p.offset;
  return {};
}

void ConsumerInstance::unassign() {
  rd_kafka_assign(rk_, nullptr);
  topic_.clear();
  next_.clear();
}

std::vector<Position> ConsumerInstance::positions() const {
  std::vector<Position> out;
  out.reserve(next_.size());
  for (const auto& [p, o] : next_) out.push_back({p, o});
  return out;
}

asio::awaitable<Result<std::vector<Record>>> ConsumerInstance::fetch(FetchOptions options) {
  auto self = shared_from_this();
  co_await acquire();
  Turn turn(*this);
  touch();
  auto deadline = Clock::now() + options.timeout;
  bool lingering = false;
  std::vector<Record> out;
  std::size_t bytes = 0;
  while (!detached_) {
    drain_signal();
    while (out.size() < options.max_records && bytes < options.max_bytes) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 0);
      if (m == nullptr) break;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const rd_kafka_resp_err_t err = m->err;
        const std::string what = rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        std::array<char, 256> reason{};
        if (err == RD_KAFKA_RESP_ERR__FATAL ||
            rd_kafka_fatal_error(rk_, reason.data(), reason.size()) != 0) {
          if (!out.empty()) break;
          co_return Error(Errc::backend_unavailable, "the kafka consumer failed",
                          std::string(reason.data()));
        }
        if (err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          monitor::log_limited(spdlog::level::warn,
                               fmt::format("kafka consumer {}: {}", label_, what));
        }
        continue;
      }
      if (role_ == ConsumerRole::reader) {
        // Only what the current assignment asked for, in order (never a stale prefetch).
        auto it = next_.find(m->partition);
        const bool wanted = it != next_.end() && m->offset >= it->second && m->rkt != nullptr &&
                            topic_ == rd_kafka_topic_name(m->rkt);
        if (!wanted) {
          rd_kafka_message_destroy(m);
          continue;
        }
        it->second = m->offset + 1;
      }
      out.push_back(to_record(m));
      bytes += size_of(out.back());
      rd_kafka_message_destroy(m);
    }
    if (out.size() >= options.max_records || bytes >= options.max_bytes || closing_) break;
    const auto now = Clock::now();
    if (!out.empty() && !lingering) {
      // Records arrive per partition and fetch response: gather what follows right behind.
      lingering = true;
      deadline = std::min(deadline, now + kLinger);
    }
    if (now >= deadline) break;
    co_await wait_signal(deadline);
  }
  touch();
  co_return out;
}

asio::awaitable<Result<std::vector<Offset>>> ConsumerInstance::commit(std::vector<Offset> offsets) {
  auto self = shared_from_this();
  co_await acquire();
  Turn turn(*this);
  touch();
  if (detached_ || closing_) co_return Error(Errc::not_found, "the consumer is closed");
  if (role_ != ConsumerRole::group) {
    co_return Error(Errc::bad_request, "offsets can only be committed for a consumer group");
  }
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (!offsets.empty()) {
    list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& o : offsets) {
      rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.offset;
    }
  }
  const std::uintptr_t seq = ++commit_seq_;
  // Asynchronous: the result arrives as an event on commit_queue_ (which wakes the pipe).
  const rd_kafka_resp_err_t err =
      rd_kafka_commit_queue(rk_, list, commit_queue_, nullptr, reinterpret_cast<void*>(seq));
  if (list != nullptr) rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) co_return consumer_error(err, "cannot commit offsets");
  const auto deadline = Clock::now() + timeout_;
  while (!detached_) {
    drain_signal();
    while (rd_kafka_event_t* ev = rd_kafka_queue_poll(commit_queue_, 0)) {
      const bool ours = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT &&
                        reinterpret_cast<std::uintptr_t>(rd_kafka_event_opaque(ev)) == seq;
      if (!ours) {
        rd_kafka_event_destroy(ev);  // a late result of an earlier, timed-out commit
        continue;
      }
      const rd_kafka_resp_err_t result = rd_kafka_event_error(ev);
      std::vector<Offset> committed;
      Error failure;
      bool failed = false;
      if (const auto* parts = rd_kafka_event_topic_partition_list(ev)) {
        for (int i = 0; i < parts->cnt; ++i) {
          const auto& p = parts->elems[i];
          if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            failed = true;
            failure = consumer_error(p.err, "cannot commit " + std::string(p.topic) + "[" +
                                                std::to_string(p.partition) + "]");
          } else if (p.offset >= 0) {
            committed.push_back({p.topic, p.partition, p.offset});
          }
        }
      }
      rd_kafka_event_destroy(ev);
      if (result == RD_KAFKA_RESP_ERR__NO_OFFSET) co_return std::vector<Offset>{};
      if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
        co_return consumer_error(result, "cannot commit offsets");
      }
      if (failed) co_return failure;
      co_return committed;
    }
    if (Clock::now() >= deadline) break;
    co_await wait_signal(deadline);
  }
  co_return Error(Errc::timeout, "kafka did not confirm the commit in time",
                  "no answer within " + std::to_string(timeout_.count()) + " ms");
}

void ConsumerInstance::close(bool leave_group) {
  if (closing_.exchange(true)) return;
  auto self = shared_from_this();
  // Interrupt a waiting fetch, then close once no call holds the turn.
  asio::post(executor_, [self, leave_group] {
    boost::system::error_code ignore;
    self->signal_.cancel(ignore);
    self->wake_.cancel();
    asio::co_spawn(self->executor_, self->close_when_idle(leave_group), asio::detached);
  });
}

asio::awaitable<void> ConsumerInstance::close_when_idle(bool leave_group) {
  auto self = shared_from_this();
  co_await acquire();
  Turn turn(*this);
  detach(leave_group);
}

}  // namespace throome::kafka::detail
