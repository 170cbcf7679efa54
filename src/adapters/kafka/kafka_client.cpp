// The Kafka adapter: one producer, one admin handle, consumer instances and a pool of
// stateless readers per Kafka service. Blocking librdkafka calls run on the client's worker
// threads, consumers are polled on IO threads through their wake-up pipes, and teardown runs
// on the reaper thread.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "adapters/kafka/admin.hpp"
#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/kafka/reaper.hpp"
#include "throome/adapters/kafka/client.hpp"
#include "throome/adapters/kafka/dev_broker.hpp"
#include "throome/common/io_pool.hpp"
#include "throome/common/run_blocking.hpp"

namespace throome::kafka {
namespace {

namespace asio = boost::asio;
using detail::ConsumerInstance;
using detail::ConsumerPtr;
using detail::ConsumerRole;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxIdleReaders = 8;
constexpr auto kReaderIdleTimeout = std::chrono::seconds(60);

std::string random_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t i = 0; i < id.size(); i += 16) {
    auto bits = rng();
    for (std::size_t k = 0; k < 16; ++k, bits >>= 4) id[i + k] = kHex[bits & 0xf];
  }
  return id;
}

// Marks a consumer in use for the duration of a call (the idle expiry skips it).
class InUse {
 public:
  explicit InUse(ConsumerPtr c) : c_(std::move(c)) { c_->enter(); }
  ~InUse() { c_->leave(); }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;

 private:
  ConsumerPtr c_;
};

// Everything a client owns. Calls in flight hold it (shared), so it outlives them.
struct State {
  State(IoPool& p, ClientOptions o)
      : pool(p),
        options(std::move(o)),
        producer(std::make_shared<detail::Producer>(options)),
        admin(std::make_shared<detail::Admin>(options)),
        workers(std::make_shared<asio::thread_pool>(2)) {}

  ~State() {
    // Whoever drops the last reference may be an IO or a worker thread: the blocking
    // teardown (flush, destroy, join) runs on the reaper.
    detail::Reaper::instance().post(
        [p = std::move(producer), a = std::move(admin), w = std::move(workers)]() mutable {
          p.reset();
          a.reset();
          w->join();
          w.reset();
        });
  }

  IoPool& pool;
  ClientOptions options;
  std::shared_ptr<detail::Producer> producer;
  std::shared_ptr<detail::Admin> admin;
  std::shared_ptr<asio::thread_pool> workers;

  std::mutex mu;  // consumers, readers, topic cache
  std::unordered_map<std::string, ConsumerPtr> consumers;
  std::vector<ConsumerPtr> idle_readers;
  std::size_t active_readers = 0;  // taken from the pool or being created, streams included
  bool closed = false;
  std::unordered_set<std::string> known_topics;

  std::string label() const { return options.name.empty() ? options.brokers : options.name; }

  detail::Properties group_properties(const ConsumerSpec& spec) const {
    auto props = detail::consumer_properties(options, ConsumerRole::group, spec.group,
                                             spec.auto_offset_reset, spec.auto_commit);
    // A REST consumer polls when its client asks: keep it in the group at least until the
    // idle expiry would close it anyway.
    const auto interval =
        std::max<std::int64_t>(300'000, options.consumer_idle_timeout.count() + 30'000);
    props.emplace_back("max.poll.interval.ms", std::to_string(interval));
    return props;
  }

  void close_all() {
    std::unordered_map<std::string, ConsumerPtr> consumers_left;
    std::vector<ConsumerPtr> readers_left;
    {
      std::lock_guard lock(mu);
      closed = true;
      consumers_left.swap(consumers);
      readers_left.swap(idle_readers);
    }
    for (auto& [id, c] : consumers_left) c->close(true);
    for (auto& r : readers_left) r->close(false);
  }
};

// Every State alive, for quiesce().
struct LiveStates {
  std::mutex mu;
  std::vector<std::weak_ptr<State>> states;

  void add(const std::shared_ptr<State>& s) {
    std::lock_guard lock(mu);
    std::erase_if(states, [](const std::weak_ptr<State>& w) { return w.expired(); });
    states.push_back(s);
  }
  std::vector<std::shared_ptr<State>> alive() {
    std::lock_guard lock(mu);
    std::vector<std::shared_ptr<State>> out;
    for (const auto& w : states) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
    return out;
  }
};

LiveStates& live_states() {
  static LiveStates live;
  return live;
}

// Runs `f` (blocking) on the client's workers; resumes on the caller's executor.
template <class F>
auto on_worker(const std::shared_ptr<State>& s, F f) {
  return run_blocking(*s->workers, std::move(f));
}

// Runs consumer call `aw` on the consumer's own context; resumes on the caller's.
template <class T>
asio::awaitable<T> on_consumer(const ConsumerPtr& c, asio::awaitable<T> aw) {
  auto op = asio::co_spawn(c->executor(), std::move(aw), asio::use_awaitable);
  co_return co_await std::move(op);
}

asio::awaitable<Result<ConsumerPtr>> take_reader(std::shared_ptr<State> s) {
  {
    std::lock_guard lock(s->mu);
    if (s->closed) co_return Error(Errc::backend_unavailable, "the kafka client is closed");
    if (s->active_readers >= s->options.max_readers) {
      co_return Error(Errc::overloaded, "too many concurrent kafka reads",
                      "at most " + std::to_string(s->options.max_readers) + " per service");
    }
    ++s->active_readers;
    if (!s->idle_readers.empty()) {
      auto r = std::move(s->idle_readers.back());
      s->idle_readers.pop_back();
      co_return r;
    }
  }
  auto& home = s->pool.next();
  auto props = detail::consumer_properties(s->options, ConsumerRole::reader,
                                           "throome-reader-" + random_id().substr(0, 8), "", false);
  auto job = [&home, props, label = s->label() + "/reader", t = s->options.timeout] {
    return ConsumerInstance::create(home, props, ConsumerRole::reader, label, t);
  };
  auto op = on_worker(s, std::move(job));
  auto created = co_await std::move(op);
  if (!created) {
    std::lock_guard lock(s->mu);
    --s->active_readers;
  }
  co_return created;
}

// A reader goes back to the pool (unassigned) or, beyond the pool's size, is closed.
asio::awaitable<void> recycle_reader(std::shared_ptr<State> s, ConsumerPtr r) {
  auto job = [r] { r->unassign(); };
  auto op = on_worker(s, std::move(job));
  co_await std::move(op);
  bool keep = false;
  {
    std::lock_guard lock(s->mu);
    --s->active_readers;
    if (!s->closed && s->idle_readers.size() < kMaxIdleReaders) {
      s->idle_readers.push_back(r);
      keep = true;
    }
  }
  if (!keep) r->close(false);
}

void give_back(const std::shared_ptr<State>& s, ConsumerPtr r, bool reusable) {
  if (!reusable) {
    r->close(false);
    std::lock_guard lock(s->mu);
    --s->active_readers;
    return;
  }
  asio::co_spawn(s->pool.next(), recycle_reader(s, std::move(r)), asio::detached);
}

// Closes consumers idle longer than the configured time and readers idle for a minute.
asio::awaitable<void> expiry_loop(std::weak_ptr<State> weak, std::chrono::milliseconds tick) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  while (true) {
    timer.expires_after(tick);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    auto s = weak.lock();
    if (!s) co_return;
    std::vector<ConsumerPtr> expired, idle_readers;
    std::vector<std::string> ids;
    const auto now = Clock::now();
    {
      std::lock_guard lock(s->mu);
      if (s->closed) co_return;
      for (auto it = s->consumers.begin(); it != s->consumers.end();) {
        const auto& c = it->second;
        if (!c->in_use() && now - c->last_used() > s->options.consumer_idle_timeout) {
          ids.push_back(it->first);
          expired.push_back(c);
          it = s->consumers.erase(it);
        } else {
          ++it;
        }
      }
      auto& readers = s->idle_readers;
      for (auto it = readers.begin(); it != readers.end();) {
        if (now - (*it)->last_used() > kReaderIdleTimeout) {
          idle_readers.push_back(*it);
          it = readers.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (std::size_t i = 0; i < expired.size(); ++i) {
      spdlog::info("kafka {}: consumer {} expired after {} ms idle", s->label(), ids[i],
                   s->options.consumer_idle_timeout.count());
      expired[i]->close(true);
    }
    for (auto& r : idle_readers) r->close(false);
  }
}

// Starting positions of every partition of `info`: the cursor's where it has one, the
// earliest offset for partitions it does not know (added since), or `from` without cursor.
asio::awaitable<Result<std::vector<Position>>> start_positions(std::shared_ptr<State> s,
                                                               const TopicInfo& info,
                                                               std::vector<Position> cursor,
                                                               StartFrom from) {
  std::vector<Position> out;
  std::vector<std::int32_t> missing;
  for (const auto& p : info.partitions) {
    auto it = std::find_if(cursor.begin(), cursor.end(),
                           [&](const Position& c) { return c.partition == p.id; });
    if (it != cursor.end()) {
      out.push_back(*it);
    } else {
      missing.push_back(p.id);
    }
  }
  if (!missing.empty()) {
    const StartFrom start = cursor.empty() ? from : StartFrom::earliest;
    auto job = [s, topic = info.name, missing, start] {
      return s->admin->offsets(topic, missing, start);
    };
    auto op = on_worker(s, std::move(job));
    auto resolved = co_await std::move(op);
    if (!resolved) co_return resolved.error();
    out.insert(out.end(), resolved->begin(), resolved->end());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  co_return out;
}

// A pooled reader assigned to every partition of `topic` from `cursor` (see start_positions).
// On failure the reader, if one was taken, goes back to the pool as not reusable.
asio::awaitable<Result<ConsumerPtr>> assigned_reader(std::shared_ptr<State> s, std::string topic,
                                                     std::vector<Position> cursor, StartFrom from) {
  auto info_job = [s, topic] { return s->admin->topic(topic); };
  auto info_op = on_worker(s, std::move(info_job));
  auto info = co_await std::move(info_op);
  if (!info) co_return info.error();
  auto start_op = start_positions(s, *info, std::move(cursor), from);
  auto start = co_await std::move(start_op);
  if (!start) co_return start.error();
  auto reader_op = take_reader(s);
  auto reader = co_await std::move(reader_op);
  if (!reader) co_return reader.error();
  auto r = *reader;
  auto assign_job = [r, topic, positions = *start] { return r->assign(topic, positions); };
  auto assigned_op = on_worker(s, std::move(assign_job));
  auto assigned = co_await std::move(assigned_op);
  if (!assigned) {
    give_back(s, r, false);
    co_return assigned.error();
  }
  co_return r;
}

class StreamImpl final : public Stream {
 public:
  StreamImpl(std::shared_ptr<State> s, ConsumerPtr c, bool group)
      : s_(std::move(s)), c_(std::move(c)), group_(group) {}
  ~StreamImpl() override {
    if (group_) {
      c_->close(true);
      std::lock_guard lock(s_->mu);
      --s_->active_readers;
    } else {
      give_back(s_, c_, /*reusable=*/true);
    }
  }

  asio::awaitable<Result<std::vector<Record>>> fetch(FetchOptions options) override {
    InUse use(c_);
    auto aw = c_->fetch(options);
    auto op = on_consumer(c_, std::move(aw));
    auto r = co_await std::move(op);
    co_return r;
  }

  asio::awaitable<Result<std::vector<Offset>>> commit(std::vector<Offset> offsets) override {
    if (!group_) co_return Error(Errc::bad_request, "a stream without a group has no offsets");
    if (offsets.empty()) co_return offsets;
    InUse use(c_);
    auto aw = c_->commit(std::move(offsets));
    auto op = on_consumer(c_, std::move(aw));
    auto r = co_await std::move(op);
    co_return r;
  }

  std::vector<Position> positions() const override {
    return group_ ? std::vector<Position>{} : c_->positions();
  }

 private:
  std::shared_ptr<State> s_;
  ConsumerPtr c_;
  bool group_;
};

class KafkaClient final : public Client {
 public:
  KafkaClient(IoPool& pool, ClientOptions options)
      : s_(std::make_shared<State>(pool, std::move(options))) {
    live_states().add(s_);
    const auto tick = std::clamp(s_->options.consumer_idle_timeout / 10,
                                 std::chrono::milliseconds(100), std::chrono::milliseconds(1'000));
    asio::co_spawn(pool.context(0), expiry_loop(s_, tick), asio::detached);
  }

  ~KafkaClient() override { s_->close_all(); }

  asio::awaitable<Result<Delivery>> publish(Message message) override {
    Delivery d{message.topic};
    auto op = publish_batch(Batch::of(std::move(message)));
    auto result = co_await std::move(op);
    if (!result.outcomes.front().ok()) co_return result.error(0);
    const auto& o = result.outcomes.front();
    d.partition = o.partition;
    d.offset = o.offset;
    d.timestamp_ms = o.timestamp_ms;
    co_return d;
  }

  asio::awaitable<BatchResult> publish_batch(Batch batch) override {
    auto s = s_;
    if (batch.empty()) co_return BatchResult{};
    if (!s->options.auto_create_topics) {
      std::vector<std::string> topics{batch.topic()};
      auto check = topics_exist(std::move(topics));
      auto known = co_await std::move(check);
      if (!known) co_return BatchResult::failed(batch.size(), known.error());
    }
    auto op = s->producer->async_produce(std::move(batch), asio::use_awaitable);
    auto result = co_await std::move(op);
    co_return result;
  }

  asio::awaitable<Result<std::vector<TopicInfo>>> list_topics() override {
    auto s = s_;
    auto job = [s] { return s->admin->topics(); };
    auto r_op = on_worker(s, std::move(job));
    auto r = co_await std::move(r_op);
    co_return r;
  }

  asio::awaitable<Result<TopicInfo>> describe_topic(std::string topic) override {
    auto s = s_;
    auto job = [s, topic]() -> Result<TopicInfo> {
      auto info = s->admin->topic(topic);
      if (!info) return info;
      auto marks = s->admin->watermarks(*info);
      if (!marks) return marks.error();
      return info;
    };
    auto r_op = on_worker(s, std::move(job));
    auto r = co_await std::move(r_op);
    co_return r;
  }

  asio::awaitable<Result<void>> create_topic(TopicSpec spec) override {
    auto s = s_;
    auto job = [s, spec]() -> Result<void> {
      if (s->options.dev_broker) {
        return s->options.dev_broker->create_topic(
            spec.name, spec.partitions < 0 ? 4 : spec.partitions,
            spec.replication_factor < 0 ? 1 : spec.replication_factor);
      }
      return s->admin->create_topic(spec);
    };
    auto r_op = on_worker(s, std::move(job));
    auto r = co_await std::move(r_op);
    if (r) forget_topics();
    co_return r;
  }

  asio::awaitable<Result<void>> delete_topic(std::string topic) override {
    auto s = s_;
    auto job = [s, topic] { return s->admin->delete_topic(topic); };
    auto r_op = on_worker(s, std::move(job));
    auto r = co_await std::move(r_op);
    if (r) forget_topics();
    co_return r;
  }

  asio::awaitable<Result<std::string>> create_consumer(ConsumerSpec spec) override {
    auto s = s_;
    {
      std::lock_guard lock(s->mu);
      if (s->consumers.size() >= s->options.max_consumers) {
        co_return Error(Errc::overloaded, "too many consumer instances",
                        "at most " + std::to_string(s->options.max_consumers) +
                            " per service; delete unused ones");
      }
    }
    auto& home = s->pool.next();
    auto job = [s, &home, props = s->group_properties(spec), topics = spec.topics,
                label = s->label() + "/" + spec.group]() -> Result<ConsumerPtr> {
      auto c =
          ConsumerInstance::create(home, props, ConsumerRole::group, label, s->options.timeout);
      if (!c) return c.error();
      auto sub = (*c)->subscribe(topics);
      if (!sub) {
        (*c)->close(false);
        return sub.error();
      }
      return c;
    };
    auto created_op = on_worker(s, std::move(job));
    auto created = co_await std::move(created_op);
    if (!created) co_return created.error();
    const std::string id = random_id();
    {
      std::lock_guard lock(s->mu);
      if (!s->closed && s->consumers.size() < s->options.max_consumers) {
        s->consumers.emplace(id, *created);
        co_return id;
      }
    }
    (*created)->close(true);
    co_return Error(Errc::overloaded, "too many consumer instances");
  }

  asio::awaitable<Result<std::vector<Record>>> consumer_fetch(std::string id,
                                                              FetchOptions options) override {
    auto c = find(id);
    if (!c) co_return c.error();
    InUse use(*c);
    auto aw = (*c)->fetch(options);
    auto op = on_consumer(*c, std::move(aw));
    auto r = co_await std::move(op);
    co_return r;
  }

  asio::awaitable<Result<std::vector<Offset>>> consumer_commit(
      std::string id, std::vector<Offset> offsets) override {
    auto c = find(id);
    if (!c) co_return c.error();
    InUse use(*c);
    auto aw = (*c)->commit(std::move(offsets));
    auto op = on_consumer(*c, std::move(aw));
    auto r = co_await std::move(op);
    co_return r;
  }

  asio::awaitable<Result<void>> delete_consumer(std::string id) override {
    ConsumerPtr c;
    {
      std::lock_guard lock(s_->mu);
      auto it = s_->consumers.find(id);
      if (it != s_->consumers.end()) {
        c = std::move(it->second);
        s_->consumers.erase(it);
      }
    }
    if (!c) co_return not_found(id);
    c->close(true);
    co_return Result<void>{};
  }

  asio::awaitable<Result<ReadResult>> read(ReadRequest request) override {
    auto s = s_;
    auto reader_op = assigned_reader(s, request.topic, std::move(request.positions), request.from);
    auto reader = co_await std::move(reader_op);
    if (!reader) co_return reader.error();
    auto r = std::move(*reader);
    Result<std::vector<Record>> records = Error();
    {
      InUse use(r);
      auto aw = r->fetch(request.fetch);
      auto op = on_consumer(r, std::move(aw));
      records = co_await std::move(op);
    }
    if (!records) {
      give_back(s, r, false);
      co_return records.error();
    }
    ReadResult out{std::move(*records), r->positions()};
    give_back(s, std::move(r), true);
    co_return out;
  }

  asio::awaitable<Result<StreamPtr>> open_stream(StreamSpec spec) override {
    auto s = s_;
    if (!spec.group.empty()) {
      {
        std::lock_guard lock(s->mu);
        if (s->active_readers >= s->options.max_readers) {
          co_return Error(Errc::overloaded, "too many concurrent kafka streams");
        }
        ++s->active_readers;
      }
      ConsumerSpec cs{spec.group,
                      {spec.topic},
                      spec.from == StartFrom::earliest ? "earliest" : "latest",
                      spec.auto_commit};
      auto& home = s->pool.next();
      auto job = [s, &home, props = s->group_properties(cs), topic = spec.topic,
                  label = s->label() + "/stream/" + spec.group]() -> Result<ConsumerPtr> {
        auto c =
            ConsumerInstance::create(home, props, ConsumerRole::group, label, s->options.timeout);
        if (!c) return c.error();
        auto sub = (*c)->subscribe({topic});
        if (!sub) {
          (*c)->close(false);
          return sub.error();
        }
        return c;
      };
      auto created_op = on_worker(s, std::move(job));
      auto created = co_await std::move(created_op);
      if (!created) {
        std::lock_guard lock(s->mu);
        --s->active_readers;
        co_return created.error();
      }
      co_return StreamPtr(std::make_unique<StreamImpl>(s, std::move(*created), true));
    }
    auto reader_op = assigned_reader(s, spec.topic, std::move(spec.positions), spec.from);
    auto reader = co_await std::move(reader_op);
    if (!reader) co_return reader.error();
    auto r = std::move(*reader);
    co_return StreamPtr(std::make_unique<StreamImpl>(s, std::move(r), false));
  }

  bool healthy() const override { return !s_->producer->broken() && s_->producer->healthy(); }

  const ClientOptions& options() const override { return s_->options; }

 private:
  Error not_found(const std::string& id) const {
    return Error(Errc::not_found, "consumer \"" + id + "\" not found",
                 "it was deleted, expired after " +
                     std::to_string(s_->options.consumer_idle_timeout.count()) +
                     " ms without use, or belongs to another cluster or gateway instance");
  }

  Result<ConsumerPtr> find(const std::string& id) const {
    std::lock_guard lock(s_->mu);
    auto it = s_->consumers.find(id);
    if (it == s_->consumers.end() || it->second->closing()) return not_found(id);
    return it->second;
  }

  void forget_topics() {
    std::lock_guard lock(s_->mu);
    s_->known_topics.clear();
  }

  // auto_create_topics: false — the topics must exist (known topics are trusted; a miss
  // reads the topic list again).
  asio::awaitable<Result<void>> topics_exist(std::vector<std::string> topics) {
    auto s = s_;
    auto missing = [&] {
      std::lock_guard lock(s->mu);
      for (const auto& t : topics) {
        if (!s->known_topics.count(t)) return t;
      }
      return std::string();
    };
    std::string absent = missing();
    if (absent.empty()) co_return Result<void>{};
    // A miss asks the broker again (a topic created elsewhere becomes usable at once).
    auto job = [s] { return s->admin->topics(); };
    auto all_op = on_worker(s, std::move(job));
    auto all = co_await std::move(all_op);
    if (!all) co_return all.error();
    {
      std::lock_guard lock(s->mu);
      s->known_topics.clear();
      for (const auto& t : *all) s->known_topics.insert(t.name);
    }
    absent = missing();
    if (absent.empty()) co_return Result<void>{};
    co_return Error(Errc::not_found, "topic \"" + absent + "\" does not exist",
                    "auto_create_topics is off for this kafka service: create the topic first");
  }

  std::shared_ptr<State> s_;
};

}  // namespace

ClientPtr make_client(IoPool& pool, ClientOptions options) {
  return std::make_shared<KafkaClient>(pool, std::move(options));
}

void quiesce(std::chrono::milliseconds flush_timeout) {
  auto states = live_states().alive();
  // Requests complete (their handlers are queued on the stopped contexts, destroyed with them).
  for (auto& s : states) s->producer->settle(flush_timeout);
  // A worker finishing a job resumes its caller's coroutine by posting to an IO context: let
  // every job finish now, while the contexts exist. (A later join by ~State is a no-op.)
  for (auto& s : states) s->workers->join();
  // Clients dropped earlier: their teardown (which joins their workers) is on the reaper.
  detail::Reaper::instance().drain();
}

}  // namespace throome::kafka
