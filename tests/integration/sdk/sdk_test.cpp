// The C++ SDK end to end: throome::Client and throome::AsyncClient against the real daemon
// in front of a real redis-server, PostgreSQL and Kafka-protocol broker. redis-cli, psql and
// kcat are the independent peers that check what actually landed in each backend.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/use_future.hpp>
#include <future>

#include "support/async.hpp"
#include "support/data_stack.hpp"
#include "throome/client.hpp"

namespace throome::testing {
namespace {

using client::ClientError;
using nlohmann::json;
using Kind = ClientError::Kind;
namespace asio = boost::asio;

constexpr const char* kToken = "sdk-secret-7c1d";

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

std::string unique(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(++n);
}

class Sdk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new DataStack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static throome::ClientOptions options() {
    throome::ClientOptions o;
    o.server_url = stack_->url();
    o.cluster = DataStack::kCluster;
    o.token = kToken;
    o.timeout = std::chrono::seconds(15);
    return o;
  }
  static throome::Client client() { return throome::Client::create(options()).value(); }

  static DataStack* stack_;
};
DataStack* Sdk::stack_ = nullptr;

// ---- cache -----------------------------------------------------------------------------

TEST_F(Sdk, CacheSetGetDeleteWithRedisAsThePeer) {
  auto c = client();
  auto cache = c.cache();
  const auto key = unique("sdk:greeting");
  auto set = cache.set(key, "héllo");
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_TRUE(*set);
  EXPECT_EQ(stack_->redis().cli({"GET", key}), "héllo");

  auto got = cache.get(key);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->value_or("<missing>"), "héllo");
  EXPECT_TRUE(cache.exists(key).value());

  // if_absent does not overwrite.
  EXPECT_FALSE(cache.set(key, "other", {std::chrono::seconds(0), true, false}).value());
  EXPECT_EQ(stack_->redis().cli({"GET", key}), "héllo");

  auto deleted = cache.del(key);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(stack_->redis().cli({"EXISTS", key}), "0");
  auto missing = cache.get(key);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(c.connections_opened(), 1);  // one keep-alive connection for all of it
}

TEST_F(Sdk, CacheValuesAreBinarySafe) {
  auto c = client();
  const auto key = unique("sdk:bin");
  ASSERT_TRUE(c.cache().set(key, all_bytes()));
  EXPECT_EQ(stack_->redis().cli({"STRLEN", key}), "256");
  EXPECT_EQ(stack_->redis().cli({"GETRANGE", key, "65", "67"}), "ABC");
  auto got = c.cache().get(key);
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, all_bytes());
}

TEST_F(Sdk, CacheTtlAndIncr) {
  auto c = client();
  const auto key = unique("sdk:counter");
  EXPECT_EQ(c.cache().incr(key).value(), 1);
  EXPECT_EQ(c.cache().incr(key, 41).value(), 42);
  EXPECT_EQ(stack_->redis().cli({"GET", key}), "42");
  EXPECT_EQ(c.cache().ttl(key).value(), std::chrono::seconds(-1));
  ASSERT_TRUE(c.cache().set(key, "x", {std::chrono::seconds(100), false, false}));
  auto ttl = c.cache().ttl(key).value();
  ASSERT_TRUE(ttl.has_value());
  EXPECT_GT(ttl->count(), 90);
  EXPECT_LE(ttl->count(), 100);
  EXPECT_FALSE(c.cache().ttl(unique("sdk:none")).value().has_value());
}

TEST_F(Sdk, AsyncCacheRoundTrip) {
  IoThreads io(2);
  auto c = throome::AsyncClient::create(io.context().get_executor(), options()).value();
  const auto key = unique("sdk:async");
  auto work = [c, key]() -> asio::awaitable<client::ClientResult<std::optional<std::string>>> {
    auto cache = c.cache();
    auto set_op = cache.set(key, all_bytes());
    auto set = co_await std::move(set_op);
    if (!set) co_return set.error();
    auto get_op = cache.get(key);
    co_return co_await std::move(get_op);
  };
  auto got = io.run(work());
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, all_bytes());
  EXPECT_EQ(stack_->redis().cli({"STRLEN", key}), "256");
}

TEST_F(Sdk, AsyncConcurrentCallsEachGetAnAnswer) {
  IoThreads io(2);
  auto c = throome::AsyncClient::create(io.context().get_executor(), options()).value();
  const auto prefix = unique("sdk:many");
  auto one = [c](std::string key, int i) -> asio::awaitable<std::int64_t> {
    auto cache = c.cache();
    auto op = cache.incr(key, i);
    auto r = co_await std::move(op);
    co_return r ? *r : -1000000;
  };
  std::vector<std::future<std::int64_t>> futures;
  for (int i = 1; i <= 20; ++i) {
    futures.push_back(asio::co_spawn(io.context(), one(prefix, i), asio::use_future));
  }
  std::int64_t max_seen = 0;
  for (auto& f : futures) max_seen = std::max(max_seen, f.get());
  EXPECT_EQ(max_seen, 210);  // 1 + 2 + ... + 20, every increment applied once
  EXPECT_EQ(stack_->redis().cli({"GET", prefix}), "210");
}

// ---- db --------------------------------------------------------------------------------

TEST_F(Sdk, DbExecuteAndQueryWithPsqlAsThePeer) {
  auto c = client();
  auto db = c.db();
  const auto table = "sdk_users_" + std::to_string(::getpid());
  auto created = db.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)");
  ASSERT_TRUE(created) << created.error().message();
  auto inserted = db.execute("INSERT INTO " + table + " VALUES ($1, $2), ($3, $4)",
                             json::array({1, "ada", 2, "grace"}));
  ASSERT_TRUE(inserted) << inserted.error().message();
  EXPECT_EQ(inserted->command, "INSERT");
  EXPECT_EQ(inserted->rows_affected, 2);
  EXPECT_EQ(stack_->postgres().psql("SELECT count(*) FROM " + table), "2");

  auto rows =
      db.query("SELECT id, name FROM " + table + " WHERE id >= $1 ORDER BY id", json::array({1}));
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->row_count, 2u);
  ASSERT_EQ(rows->columns.size(), 2u);
  EXPECT_EQ(rows->columns[0]["name"], "id");
  EXPECT_EQ(rows->columns[1]["name"], "name");
  EXPECT_EQ(rows->rows[0], json({{"id", 1}, {"name", "ada"}}));
  EXPECT_EQ(rows->rows[1], json({{"id", 2}, {"name", "grace"}}));
  EXPECT_FALSE(rows->truncated);
}

TEST_F(Sdk, DbErrorsAreValues) {
  auto c = client();
  auto bad = c.db().query("SELECT * FROM no_such_table_anywhere");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), Kind::http);
  EXPECT_EQ(bad.error().http_status() / 100, 4);
  EXPECT_NE(bad.error().message().find("no_such_table_anywhere"), std::string::npos)
      << bad.error().message();
}

TEST_F(Sdk, AsyncDbQuery) {
  IoThreads io(1);
  auto c = throome::AsyncClient::create(io.context().get_executor(), options()).value();
  auto work = [c]() -> asio::awaitable<client::ClientResult<client::QueryResult>> {
    auto db = c.db();
    auto op = db.query("SELECT $1::int + 1 AS answer", json::array({41}));
    co_return co_await std::move(op);
  };
  auto rows = io.run(work());
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->row_count, 1u);
  EXPECT_EQ(rows->rows[0]["answer"], 42);
}

// ---- queue -----------------------------------------------------------------------------

TEST_F(Sdk, PublishLandsInKafkaAndReadsBack) {
  auto c = client();
  auto queue = c.queue();
  const auto topic = unique("sdk-orders");
  client::Message text;
  text.value = "order #1 ✓";
  text.key = "customer-7";
  text.headers = {{"trace", "abc"}};
  auto a = queue.publish(topic, text);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_GE(a->partition, 0);
  EXPECT_EQ(a->offset, 0);
  client::Message binary;
  binary.value = all_bytes();
  binary.key = std::string("\x00\xff", 2);
  binary.partition = a->partition;
  auto b = queue.publish(topic, binary);
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->partition, a->partition);
  EXPECT_EQ(b->offset, 1);

  auto records = kcat_consume(stack_->kafka().bootstrap(), topic);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "order #1 ✓");
  EXPECT_EQ(records[0].key, "customer-7");
  EXPECT_EQ(records[1].value, all_bytes());
  EXPECT_EQ(records[1].key, std::string("\x00\xff", 2));

  // Read back through the stateless API, following the cursor.
  client::ReadOptions from_start;
  from_start.wait = std::chrono::milliseconds(2000);
  std::vector<client::Record> read;
  for (int i = 0; i < 20 && read.size() < 2; ++i) {
    auto page = queue.read(topic, from_start);
    ASSERT_TRUE(page) << page.error().message();
    read.insert(read.end(), page->records.begin(), page->records.end());
    from_start.cursor = page->next_cursor;
  }
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].value, "order #1 ✓");
  EXPECT_EQ(read[0].key, "customer-7");
  ASSERT_EQ(read[0].headers.size(), 1u);
  EXPECT_EQ(read[0].headers[0].value, "abc");
  EXPECT_EQ(read[1].value, all_bytes());
  EXPECT_EQ(read[1].offset, 1);
  EXPECT_TRUE(read[1].timestamp_ms.has_value());
}

TEST_F(Sdk, AsyncPublish) {
  IoThreads io(1);
  auto c = throome::AsyncClient::create(io.context().get_executor(), options()).value();
  const auto topic = unique("sdk-async");
  auto work = [c, topic]() -> asio::awaitable<client::ClientResult<client::PublishResult>> {
    client::Message m;
    m.value = "from a coroutine";
    auto queue = c.queue();
    auto op = queue.publish(topic, m);
    co_return co_await std::move(op);
  };
  auto published = io.run(work());
  ASSERT_TRUE(published) << published.error().message();
  auto records = kcat_consume(stack_->kafka().bootstrap(), topic);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "from a coroutine");
  EXPECT_EQ(records[0].partition, published->partition);
  EXPECT_EQ(records[0].offset, published->offset);
}

// ---- cluster and errors ----------------------------------------------------------------

TEST_F(Sdk, ClusterViewShowsTheClusterWithSecretsRedacted) {
  auto c = client();
  auto info = c.cluster().info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->dump().find(PostgresServer::kPassword), std::string::npos);
  auto health = c.cluster().health();
  ASSERT_TRUE(health) << health.error().message();
  EXPECT_EQ((*health)["cluster_id"], DataStack::kCluster);
}

TEST_F(Sdk, UnknownClusterIs404AndBadInputIs400) {
  auto c = client();
  auto unknown = c.cache("no-such-cluster").get("k");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind(), Kind::http);
  EXPECT_EQ(unknown.error().http_status(), 404);
  EXPECT_EQ(unknown.error().code(), "not_found");

  const auto key = unique("sdk:text");
  ASSERT_TRUE(c.cache().set(key, "not a number"));
  auto incr = c.cache().incr(key);
  ASSERT_FALSE(incr);
  EXPECT_EQ(incr.error().kind(), Kind::http);
  EXPECT_EQ(incr.error().http_status(), 400);

  auto bad_topic = c.queue().publish("bad topic!", "x");
  ASSERT_FALSE(bad_topic);
  EXPECT_EQ(bad_topic.error().http_status(), 400);
  EXPECT_NE(bad_topic.error().message().find("topic"), std::string::npos);

  IoThreads io(1);
  auto ac = throome::AsyncClient::create(io.context().get_executor(), options()).value();
  auto work = [ac]() -> asio::awaitable<client::ClientResult<client::QueryResult>> {
    auto db = ac.db("no-such-cluster");
    auto op = db.query("SELECT 1");
    co_return co_await std::move(op);
  };
  auto async_unknown = io.run(work());
  ASSERT_FALSE(async_unknown);
  EXPECT_EQ(async_unknown.error().http_status(), 404);
}

TEST_F(Sdk, AStoppedDaemonIsATransportError) {
  auto o = options();
  o.server_url = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  auto c = throome::Client::create(o).value();
  auto r = c.cache().get("k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::transport);
}

TEST_F(Sdk, TheTokenIsNeverLogged) {
  auto c = client();
  ASSERT_TRUE(c.cache().set(unique("sdk:log"), "v"));
  EXPECT_EQ(stack_->daemon().output().find(kToken), std::string::npos);
}

}  // namespace
}  // namespace throome::testing
