// The Kafka adapter against a real Kafka-protocol broker (librdkafka's mock cluster in the
// kafka_mock_broker helper process, over loopback TCP), with kcat as the independent peer.
#include "throome/adapters/kafka/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "support/kafka_broker.hpp"
#include "throome/adapters/kafka/dev_broker.hpp"
#include "throome/common/io_pool.hpp"

namespace throome::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class KafkaClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = new KafkaMockBroker();
    pool_ = new IoPool(2);
    runner_ = new std::thread([] { pool_->run(); });
  }
  static void TearDownTestSuite() {
    pool_->stop();
    runner_->join();
    delete runner_;
    delete pool_;
    delete broker_;
  }

  static kafka::ClientOptions options(std::chrono::milliseconds timeout = 5'000ms) {
    kafka::ClientOptions o;
    o.brokers = broker_->bootstrap();
    o.timeout = timeout;
    o.name = "test/kafka";
    // The mock cluster waits session.timeout.ms - 1 s for members before a rebalance.
    o.consumer = {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "500"}};
    return o;
  }

  template <class T>
  static T run(asio::awaitable<T> aw) {
    return asio::co_spawn(pool_->context(0), std::move(aw), asio::use_future).get();
  }

  // A unique topic per test: the broker is shared by the whole binary.
  static std::string topic(const std::string& base) {
    static int n = 0;
    return base + "-" + std::to_string(++n);
  }

  // Reads until `count` records arrived or the deadline passed.
  static std::vector<kafka::Record> fetch_n(kafka::Client& c, const std::string& id,
                                            std::size_t count, std::chrono::seconds within = 20s) {
    std::vector<kafka::Record> out;
    const auto deadline = Clock::now() + within;
    while (out.size() < count && Clock::now() < deadline) {
      kafka::FetchOptions f;
      f.max_records = 500;
      f.timeout = 500ms;
      auto r = run(c.consumer_fetch(id, f));
      if (!r) {
        ADD_FAILURE() << r.error().message();
        break;
      }
      out.insert(out.end(), r->begin(), r->end());
    }
    return out;
  }

  static KafkaMockBroker* broker_;
  static IoPool* pool_;
  static std::thread* runner_;
};
KafkaMockBroker* KafkaClientTest::broker_ = nullptr;
IoPool* KafkaClientTest::pool_ = nullptr;
std::thread* KafkaClientTest::runner_ = nullptr;

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// A batch of `messages` (one topic), their bytes copied into its arena.
kafka::Batch batch_of(const std::vector<kafka::Message>& messages) {
  kafka::Batch b(messages.front().topic);
  for (const auto& m : messages) {
    const auto value = b.copy(m.value);
    const auto key = b.copy(m.key);
    b.add(value, key, m.partition, m.headers);
  }
  return b;
}

TEST_F(KafkaClientTest, PublishedBytesAreWhatKcatReads) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("bytes");
  kafka::Message m;
  m.topic = t;
  m.key = std::string("k\0ey", 4);
  m.value = all_bytes();
  m.headers = {{"trace", "abc"}, {"nil", std::nullopt}};
  auto d = run(client->publish(m));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->topic, t);
  EXPECT_GE(d->partition, 0);
  EXPECT_EQ(d->offset, 0);

  kafka::Message empty;
  empty.topic = t;
  empty.partition = d->partition;
  empty.value = "";
  auto d2 = run(client->publish(empty));
  ASSERT_TRUE(d2) << d2.error().message();
  EXPECT_EQ(d2->offset, 1);

  auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].partition, d->partition);
  EXPECT_EQ(records[0].offset, 0);
  EXPECT_EQ(records[0].key, std::string("k\0ey", 4));
  EXPECT_EQ(records[0].value, all_bytes());
  EXPECT_FALSE(records[1].key.has_value());
  EXPECT_EQ(records[1].value, std::string());
}

TEST_F(KafkaClientTest, BatchReportsEveryRecord) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("batch");
  std::vector<kafka::Message> batch;
  for (int i = 0; i < 100; ++i) {
    kafka::Message m;
    m.topic = t;
    m.key = "key-" + std::to_string(i % 7);
    m.value = "value-" + std::to_string(i);
    batch.push_back(std::move(m));
  }
  batch[50].partition = 99;  // no such partition: these records fail
  batch[70].partition = 98;
  auto result = run(client->publish_batch(batch_of(batch)));
  ASSERT_EQ(result.outcomes.size(), 100u);
  EXPECT_EQ(result.failures(), 2u);
  ASSERT_EQ(result.errors.size(), 1u);  // the same failure twice: one error
  std::map<int, std::int64_t> last;
  for (int i = 0; i < 100; ++i) {
    const auto& o = result.outcomes[i];
    if (i == 50 || i == 70) {
      ASSERT_FALSE(o.ok());
      EXPECT_EQ(result.error(i).code(), Errc::bad_request) << result.error(i).message();
      continue;
    }
    ASSERT_TRUE(o.ok()) << i;
    auto [it, fresh] = last.emplace(o.partition, o.offset);
    if (!fresh) {
      EXPECT_GT(o.offset, it->second);  // in order within a partition
      it->second = o.offset;
    }
  }
  const auto records = kcat_consume(broker_->bootstrap(), t);
  EXPECT_EQ(records.size(), 98u);
}

// Values and keys as ranges of the batch's body and of its arena, nulls and empty bytes: what
// librdkafka sends without copying is what kcat reads.
TEST_F(KafkaClientTest, BatchBytesInTheBodyAndTheArenaAreWhatKcatReads) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("views");
  kafka::Batch b(t, std::string("alpha|k\0y|", 10) + all_bytes());
  const auto alpha = b.in_body(0, 5);
  const auto key = b.in_body(6, 3);
  const auto tail = b.in_body(10, 256);
  b.arena() = "decoded";
  const auto decoded = b.arena_since(0);
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> want;
  for (int i = 0; i < 40; ++i) {
    switch (i % 5) {
      case 0:
        b.add(alpha, key, 0);
        want.emplace_back("alpha", std::string("k\0y", 3));
        break;
      case 1:
        b.add(tail, kafka::Batch::kNone, 1);
        want.emplace_back(all_bytes(), std::nullopt);
        break;
      case 2: {
        const auto mark = b.arena().size();
        b.arena() += "n" + std::to_string(i);
        b.add(b.arena_since(mark), decoded, 2);
        want.emplace_back("n" + std::to_string(i), "decoded");
        break;
      }
      case 3:
        b.add(kafka::Batch::kNone, alpha, 3);  // a tombstone
        want.emplace_back(std::nullopt, "alpha");
        break;
      default:
        b.add(b.in_body(0, 0), b.in_body(5, 0), 3);  // empty, not null
        want.emplace_back("", "");
    }
  }
  auto result = run(client->publish_batch(std::move(b)));
  ASSERT_EQ(result.outcomes.size(), 40u);
  ASSERT_EQ(result.failures(), 0u);
  const auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 40u);
  for (std::size_t i = 0; i < 40; ++i) {
    const auto& o = result.outcomes[i];
    bool found = false;
    for (const auto& r : records) {
      if (r.partition != o.partition || r.offset != o.offset) continue;
      found = true;
      EXPECT_EQ(r.value, want[i].first) << i;
      EXPECT_EQ(r.key, want[i].second) << i;
    }
    EXPECT_TRUE(found) << i;
  }
}

// Headers take the per-message produce call; the batch still owns every byte.
TEST_F(KafkaClientTest, BatchWithHeadersKeepsEveryMessagesHeaders) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("batch-headers");
  std::vector<kafka::Message> messages;
  for (int i = 0; i < 10; ++i) {
    kafka::Message m;
    m.topic = t;
    m.value = "v" + std::to_string(i);
    m.partition = 0;
    if (i % 2 == 0) m.headers = {{"n", std::to_string(i)}, {"nil", std::nullopt}};
    messages.push_back(std::move(m));
  }
  auto result = run(client->publish_batch(batch_of(messages)));
  ASSERT_EQ(result.failures(), 0u);
  kafka::ReadRequest req;
  req.topic = t;
  req.fetch.timeout = 2'000ms;
  std::vector<kafka::Record> records;
  for (int page = 0; page < 20 && records.size() < 10; ++page) {
    auto read = run(client->read(req));
    ASSERT_TRUE(read) << read.error().message();
    for (auto& r : read->records) records.push_back(std::move(r));
    req.positions = read->next;
  }
  ASSERT_EQ(records.size(), 10u);
  for (const auto& r : records) {
    const int i = std::stoi(r.value.value_or("v-1").substr(1));
    EXPECT_EQ(r.offset, result.outcomes[i].offset);
    if (i % 2 == 0) {
      ASSERT_EQ(r.headers.size(), 2u) << i;
      EXPECT_EQ(r.headers[0], (kafka::Header{"n", std::to_string(i)}));
      EXPECT_EQ(r.headers[1], (kafka::Header{"nil", std::nullopt}));
    } else {
      EXPECT_TRUE(r.headers.empty()) << i;
    }
  }
}

TEST_F(KafkaClientTest, ConsumerGroupReadsWhatKcatProduced) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("from-kcat");
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i)
    lines.push_back("k" + std::to_string(i % 5) + "\tv" + std::to_string(i));
  kcat_produce(broker_->bootstrap(), t, lines, /*keyed=*/true);

  kafka::ConsumerSpec spec{"g-" + t, {t}, "earliest", false};
  auto id = run(client->create_consumer(spec));
  ASSERT_TRUE(id) << id.error().message();
  auto records = fetch_n(*client, *id, 50);
  ASSERT_EQ(records.size(), 50u);
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& r : records) {
    ASSERT_TRUE(r.key && r.value);
    per_key[*r.key].push_back(std::stoi(r.value->substr(1)));
    EXPECT_EQ(r.topic, t);
    EXPECT_GE(r.timestamp_ms, 0);
  }
  ASSERT_EQ(per_key.size(), 5u);
  for (const auto& [k, values] : per_key) {
    ASSERT_EQ(values.size(), 10u);
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << k;  // order per key
  }

  // Commit what was read; a new member of the group starts after it.
  auto committed = run(client->consumer_commit(*id, {}));
  ASSERT_TRUE(committed) << committed.error().message();
  std::int64_t total = 0;
  for (const auto& o : *committed) total += o.offset;
  EXPECT_EQ(total, 50);
  ASSERT_TRUE(run(client->delete_consumer(*id)));
  EXPECT_EQ(run(client->consumer_fetch(*id, {})).error().code(), Errc::not_found);

  kcat_produce(broker_->bootstrap(), t, {"k9\tlate"}, true);
  auto again = run(client->create_consumer(spec));
  ASSERT_TRUE(again);
  auto rest = fetch_n(*client, *again, 1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].value, "late");
  ASSERT_TRUE(run(client->delete_consumer(*again)));
}

TEST_F(KafkaClientTest, StatelessReadsPageThroughEveryRecordOnce) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("pages");
  std::vector<kafka::Message> batch;
  for (int i = 0; i < 120; ++i) {
    kafka::Message m;
    m.topic = t;
    m.key = std::to_string(i % 10);
    m.value = std::to_string(i);
    batch.push_back(std::move(m));
  }
  ASSERT_EQ(run(client->publish_batch(batch_of(batch))).failures(), 0u);

  std::multiset<std::string> seen;
  std::vector<kafka::Position> cursor;
  for (int page = 0; page < 50 && seen.size() < 120; ++page) {
    kafka::ReadRequest req;
    req.topic = t;
    req.positions = cursor;
    req.from = kafka::StartFrom::earliest;
    req.fetch.max_records = 25;
    req.fetch.timeout = 1'000ms;
    auto r = run(client->read(req));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_LE(r->records.size(), 25u);
    for (const auto& rec : r->records) seen.insert(*rec.value);
    EXPECT_EQ(r->next.size(), 4u);  // every partition, always
    cursor = r->next;
  }
  EXPECT_EQ(seen.size(), 120u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 120u);  // no duplicates
  std::int64_t end = 0;
  for (const auto& p : cursor) end += p.offset;
  EXPECT_EQ(end, 120);

  // At the end, a read waits for its timeout and returns nothing, the cursor unchanged.
  kafka::ReadRequest tail;
  tail.topic = t;
  tail.positions = cursor;
  tail.fetch.timeout = 300ms;
  const auto start = Clock::now();
  auto r = run(client->read(tail));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->records.empty());
  EXPECT_EQ(r->next, cursor);
  EXPECT_GE(Clock::now() - start, 250ms);

  // From latest: nothing old.
  kafka::ReadRequest latest;
  latest.topic = t;
  latest.from = kafka::StartFrom::latest;
  latest.fetch.timeout = 100ms;
  auto l = run(client->read(latest));
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->records.empty());
  EXPECT_EQ(l->next, cursor);
}

TEST_F(KafkaClientTest, DescribeAndListTopics) {
  auto client = kafka::make_client(*pool_, options());
  const auto t = topic("described");
  broker_->create_topic(t, 3);
  kafka::Message m;
  m.topic = t;
  m.partition = 2;
  m.value = "x";
  ASSERT_TRUE(run(client->publish(m)));
  ASSERT_TRUE(run(client->publish(m)));
  auto info = run(client->describe_topic(t));
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_EQ(info->partitions.size(), 3u);
  EXPECT_EQ(info->partitions[2].id, 2);
  EXPECT_EQ(info->partitions[2].low, 0);
  EXPECT_EQ(info->partitions[2].high, 2);
  EXPECT_EQ(info->partitions[0].high, 0);
  EXPECT_EQ(info->partitions[0].leader, 1);
  EXPECT_EQ(info->partitions[0].replicas, std::vector<std::int32_t>{1});

  auto all = run(client->list_topics());
  ASSERT_TRUE(all);
  bool found = false;
  for (const auto& ti : *all) found = found || ti.name == t;
  EXPECT_TRUE(found);

  auto missing = run(client->describe_topic("no-such-topic-here"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::not_found);
}

TEST_F(KafkaClientTest, AdminCallsTheMockDoesNotAnswerFailWithinTheDeadline) {
  auto client = kafka::make_client(*pool_, options(1'500ms));
  kafka::TopicSpec spec{topic("admin"), 2, 1, {}};
  const auto start = Clock::now();
  auto r = run(client->create_topic(spec));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::timeout) << r.error().message();
  EXPECT_LE(took, 1'500ms + 300ms);
  auto d = run(client->delete_topic("whatever"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), Errc::timeout);
}

TEST_F(KafkaClientTest, DevBrokerTopicsAreCreatedThroughTheMockApi) {
  auto dev = kafka::DevBroker::start();
  kafka::ClientOptions o = options();
  o.brokers = dev->bootstrap();
  o.dev_broker = dev;
  auto client = kafka::make_client(*pool_, o);
  ASSERT_TRUE(run(client->create_topic({"made", 6, 1, {}})));
  auto info = run(client->describe_topic("made"));
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->partitions.size(), 6u);
  auto dup = run(client->create_topic({"made", 6, 1, {}}));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), Errc::conflict);
  client.reset();
}

TEST_F(KafkaClientTest, UnknownTopicWithoutAutoCreateIsNotFound) {
  auto o = options();
  o.auto_create_topics = false;
  auto client = kafka::make_client(*pool_, o);
  kafka::Message m;
  m.topic = topic("never-created");
  m.value = "x";
  auto r = run(client->publish(m));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::not_found);
  const auto t = topic("created");
  broker_->create_topic(t, 2);
  m.topic = t;
  auto ok = run(client->publish(m));
  ASSERT_TRUE(ok) << ok.error().message();
}

TEST_F(KafkaClientTest, TooLargeMessageIsRejected) {
  auto client = kafka::make_client(*pool_, options());
  kafka::Message m;
  m.topic = topic("large");
  m.value = std::string(2 << 20, 'x');
  auto r = run(client->publish(m));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::payload_too_large) << r.error().message();
}

TEST_F(KafkaClientTest, BrokerDownFailsWithinTheDeadlineThenRecovers) {
  auto client = kafka::make_client(*pool_, options(2'000ms));
  const auto t = topic("outage");
  kafka::Message m;
  m.topic = t;
  m.value = "before";
  ASSERT_TRUE(run(client->publish(m)));

  broker_->set_down();
  m.value = "during";
  const auto start = Clock::now();
  auto r = run(client->publish(m));
  const auto took = Clock::now() - start;
  broker_->set_up();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable) << r.error().message();
  EXPECT_LE(took, 2'000ms + 500ms);

  // Publishing resumes once the broker is back.
  std::optional<kafka::Delivery> after;
  const auto deadline = Clock::now() + 20s;
  while (!after && Clock::now() < deadline) {
    m.value = "after";
    auto a = run(client->publish(m));
    if (a) after = *a;
  }
  ASSERT_TRUE(after.has_value());
  auto records = kcat_consume(broker_->bootstrap(), t);
  std::set<std::string> values;
  for (const auto& rec : records) values.insert(*rec.value);
  EXPECT_TRUE(values.count("before"));
  EXPECT_TRUE(values.count("after"));
}

TEST_F(KafkaClientTest, IdleConsumersExpireAndBusyOnesDoNot) {
  auto o = options();
  o.consumer_idle_timeout = 1'000ms;
  auto client = kafka::make_client(*pool_, o);
  const auto t = topic("expiry");
  auto idle = run(client->create_consumer({"g-idle-" + t, {t}, "earliest", true}));
  auto busy = run(client->create_consumer({"g-busy-" + t, {t}, "earliest", true}));
  ASSERT_TRUE(idle && busy);
  // `busy` long-polls well past the idle timeout (it is in use, not idle) while `idle` is
  // left alone: by the end of the poll `idle` has been closed (the expiry looks every 100 ms).
  kafka::FetchOptions f;
  f.timeout = 2'500ms;
  auto polled = run(client->consumer_fetch(*busy, f));
  ASSERT_TRUE(polled) << polled.error().message();
  ASSERT_TRUE(run(client->consumer_fetch(*busy, {})));  // still there
  auto gone = run(client->consumer_fetch(*idle, {}));
  ASSERT_FALSE(gone) << "an idle consumer was not closed";
  EXPECT_EQ(gone.error().code(), Errc::not_found);
}

}  // namespace
}  // namespace throome::testing
