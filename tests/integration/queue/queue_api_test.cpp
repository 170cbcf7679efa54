// The queue API end to end: the real daemon in front of a real Kafka-protocol broker
// (librdkafka's mock cluster in the kafka_mock_broker helper process, over loopback TCP);
// kcat is the independent peer that checks what actually landed in Kafka and feeds records
// that throome must consume.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/kafka_broker.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"
#include "throome/common/base64.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kTimeoutMs = 2'000;  // routing.timeout_ms of the test clusters: the deadline

class QueueApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = new KafkaMockBroker();
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    o.extra_args = {"--threads", "2"};
    daemon_ = new DaemonProcess(o);
    create("q", kafka_service(broker_->port(), json::object()));
    create("strict", kafka_service(broker_->port(), {{"auto_create_topics", false}}));
    create("dead", kafka_service(free_loopback_port(), json::object()));
    json redis_only = {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 6379}};
    create("nokafka", redis_only);
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete broker_;
  }

  static json kafka_service(std::uint16_t port, json options) {
    // The mock cluster waits session.timeout.ms - 1 s for group members before a rebalance.
    options["consumer"] = {{"session.timeout.ms", 3000}, {"heartbeat.interval.ms", 500}};
    return {{"type", "kafka"}, {"host", "127.0.0.1"}, {"port", port}, {"options", options}};
  }

  static void create(const std::string& id, const json& service) {
    json body = {{"name", id},
                 {"cluster_id", id},
                 {"services", {{"events", service}}},
                 {"routing", {{"timeout_ms", kTimeoutMs}}}};
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  static std::string url(const std::string& path, const std::string& cluster = "q") {
    return "/api/v1/clusters/" + cluster + "/queue/" + path;
  }
  static HttpResult post(const std::string& path, const json& body,
                         const std::string& cluster = "q") {
    return http_request(daemon_->port(), "POST", url(path, cluster), body.dump());
  }
  static HttpResult get(const std::string& path, const std::string& cluster = "q") {
    return http_request(daemon_->port(), "GET", url(path, cluster));
  }
  static json ok(const HttpResult& r, int status = 200) {
    EXPECT_EQ(r.status, status) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static json error(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("code", ""), code) << r.body;
    EXPECT_EQ(body.value("status", 0), status) << r.body;
    EXPECT_FALSE(body.value("error", "").empty()) << r.body;
    return body;
  }

  static std::string topic(const std::string& base) {
    static std::atomic<int> n{0};
    return base + "-" + std::to_string(++n);
  }

  static std::string create_consumer(const std::string& group, const std::string& t) {
    auto r = post("consumers", {{"group", group},
                                {"topics", {t}},
                                {"auto_offset_reset", "earliest"},
                                {"auto_commit", false}});
    auto body = ok(r, 201);
    return body.value("consumer_id", "");
  }

  // Long-polls a consumer until `count` records arrived or the deadline passed.
  static std::vector<json> consume(const std::string& id, std::size_t count,
                                   std::chrono::seconds within = 30s) {
    std::vector<json> out;
    HttpConnection conn(daemon_->port());
    const auto deadline = Clock::now() + within;
    while (out.size() < count && Clock::now() < deadline) {
      auto r = conn.request("GET", url("consumers/" + id + "/records?max=10000&timeout_ms=1000"));
      if (r.status != 200) {
        ADD_FAILURE() << r.body;
        break;
      }
      auto body = r.json();  // a named object: a temporary would die before the loop
      for (auto& rec : body["records"]) out.push_back(std::move(rec));
    }
    return out;
  }

  static KafkaMockBroker* broker_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
KafkaMockBroker* QueueApi::broker_ = nullptr;
TempDir* QueueApi::dir_ = nullptr;
DaemonProcess* QueueApi::daemon_ = nullptr;

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

const KcatRecord* find(const std::vector<KcatRecord>& records, const json& where) {
  for (const auto& r : records) {
    if (r.partition == where["partition"].get<int>() && r.offset == where["offset"].get<int>()) {
      return &r;
    }
  }
  return nullptr;
}

TEST_F(QueueApi, PublishedMessagesAreWhatKcatReadsByteForByte) {
  const auto t = topic("compat");
  // The body of existing clients: message and key as arrays of byte values.
  json bytes = json::array();
  for (unsigned char c : std::string("héllo")) bytes.push_back(static_cast<int>(c));
  auto a = ok(post("publish", {{"topic", t}, {"message", bytes}, {"key", {107, 49}}}));
  EXPECT_EQ(a["status"], "success");
  EXPECT_EQ(a["topic"], t);
  EXPECT_GE(a["partition"].get<int>(), 0);
  EXPECT_EQ(a["offset"], 0);
  // A JSON string is its UTF-8 text; {"base64"} carries any bytes; headers both ways.
  auto b = ok(post("publish", {{"topic", t},
                               {"message", {{"base64", common::base64_encode(all_bytes())}}},
                               {"key", "binary"},
                               {"headers",
                                {{{"name", "trace"}, {"value", "abc"}},
                                 {{"name", "raw"}, {"value", {{"base64", "AP8="}}}}}}}));
  auto c = ok(post("publish", {{"topic", t}, {"message", "plain text ✓"}, {"partition", 2}}));
  EXPECT_EQ(c["partition"], 2);
  auto d = ok(post("publish", {{"topic", t}, {"message", ""}, {"key", ""}}));

  const auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 4u);
  const auto* ra = find(records, a);
  ASSERT_NE(ra, nullptr);
  EXPECT_EQ(ra->value, "héllo");
  EXPECT_EQ(ra->key, "k1");
  const auto* rb = find(records, b);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(rb->value, all_bytes());
  EXPECT_EQ(rb->key, "binary");
  const auto* rc = find(records, c);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->value, "plain text ✓");
  EXPECT_FALSE(rc->key.has_value());
  const auto* rd = find(records, d);
  ASSERT_NE(rd, nullptr);
  EXPECT_EQ(rd->value, "");
  EXPECT_EQ(rd->key, "");  // an empty key, not a missing one

  // Read back through the stateless API: headers and encodings round-trip.
  auto read =
      ok(get("topics/" + t + "/records?from=earliest&encoding=base64&timeout_ms=2000&max=10"));
  std::map<std::string, json> by_key;
  // Records arrive per partition; page until all four are here.
  std::vector<json> all(read["records"].begin(), read["records"].end());
  std::string cursor = read["next_cursor"];
  for (int i = 0; i < 20 && all.size() < 4; ++i) {
    auto more = ok(get("topics/" + t + "/records?encoding=base64&timeout_ms=500&cursor=" + cursor));
    for (auto& rec : more["records"]) all.push_back(rec);
    cursor = more["next_cursor"];
  }
  ASSERT_EQ(all.size(), 4u);
  bool saw_headers = false;
  for (const auto& rec : all) {
    if (rec["key"].is_object() && rec["key"]["base64"] == common::base64_encode("binary")) {
      EXPECT_EQ(rec["value"]["base64"], common::base64_encode(all_bytes()));
      ASSERT_EQ(rec["headers"].size(), 2u);
      EXPECT_EQ(rec["headers"][0]["name"], "trace");
      EXPECT_EQ(rec["headers"][0]["value"]["base64"], common::base64_encode("abc"));
      EXPECT_EQ(rec["headers"][1]["value"]["base64"], "AP8=");
      saw_headers = true;
    }
  }
  EXPECT_TRUE(saw_headers);
}

TEST_F(QueueApi, BatchPublishReportsEveryRecord) {
  const auto t = topic("batch");
  json messages = json::array();
  for (int i = 0; i < 100; ++i) {
    json m = {{"value", "v" + std::to_string(i)}, {"key", "k" + std::to_string(i % 3)}};
    if (i == 7) m["partition"] = 50;  // no such partition
    messages.push_back(m);
  }
  auto r = ok(post("publish", {{"topic", t}, {"messages", messages}}));
  EXPECT_EQ(r["status"], "partial");
  EXPECT_EQ(r["count"], 100);
  EXPECT_EQ(r["failed"], 1);
  ASSERT_EQ(r["results"].size(), 100u);
  EXPECT_EQ(r["results"][7]["status"], 400) << r["results"][7];
  const auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 99u);
  for (int i = 0; i < 100; ++i) {
    if (i == 7) continue;
    const auto* rec = find(records, r["results"][i]);
    ASSERT_NE(rec, nullptr) << i;
    EXPECT_EQ(rec->value, "v" + std::to_string(i));
  }
  // Every record failing: the error status, each record's error in the details.
  auto all_bad =
      post("publish", {{"topic", t}, {"messages", {{{"value", "x"}, {"partition", 9}}}}});
  auto e = error(all_bad, 400, "bad_request");
  EXPECT_EQ(e["details"]["results"].size(), 1u);
}

// The batch fast path keeps plain strings as views of the request body and decodes the rest
// into one arena: every kind of value, mixed in one batch, lands byte for byte.
TEST_F(QueueApi, BatchOfMixedEncodingsIsWhatKcatReadsByteForByte) {
  const auto t = topic("mixed");
  std::vector<std::string> values, keys;
  json messages = json::array();
  for (int i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    json m;
    switch (i % 5) {
      case 0:  // plain: a view of the body
        values.push_back("plain " + n + " ✓");
        keys.push_back("k" + n);
        m = {{"value", values.back()}, {"key", keys.back()}};
        break;
      case 1:  // escapes
        values.push_back("q\"u\\o/t\n\t\r" + n);
        keys.push_back("line\nkey" + n);
        m = {{"value", values.back()}, {"key", keys.back()}};
        break;
      case 2:  // base64: any bytes
        values.push_back(all_bytes() + n);
        keys.push_back(std::string("\0", 1) + n);
        m = {{"value", {{"base64", common::base64_encode(values.back())}}},
             {"key", {{"base64", common::base64_encode(keys.back())}}}};
        break;
      case 3: {  // byte arrays
        values.push_back(std::string("\0\xff\x7f", 3) + n);
        keys.push_back("");
        json bytes = json::array();
        for (unsigned char c : values.back()) bytes.push_back(static_cast<int>(c));
        m = {{"value", bytes}, {"key", json::array()}};
        break;
      }
      default:  // no key, an empty value
        values.push_back("");
        keys.push_back("<none>");
        m = {{"value", ""}};
    }
    messages.push_back(m);
  }
  // An escape the serializer would not write (a \u escape would send the whole body to the
  // general parser: not here).
  std::string body = json{{"topic", t}, {"messages", messages}}.dump();
  const std::string plain = "\"plain 0 ✓\"";
  body.replace(body.find(plain), plain.size(), "\"plain \\/ 0 ✓\"");
  values[0] = "plain / 0 ✓";
  auto raw = http_request(daemon_->port(), "POST", url("publish"), body);
  auto r = ok(raw);
  EXPECT_EQ(r["status"], "success");
  EXPECT_EQ(r["count"], 100);
  EXPECT_EQ(r["failed"], 0);
  ASSERT_EQ(r["results"].size(), 100u);
  const auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const auto* rec = find(records, r["results"][i]);
    ASSERT_NE(rec, nullptr) << i;
    EXPECT_EQ(rec->value, values[i]) << i;
    if (keys[i] == "<none>") {
      EXPECT_FALSE(rec->key.has_value()) << i;
    } else {
      EXPECT_EQ(rec->key, keys[i]) << i;
    }
  }
}

// Good and failing records in one batch: each failing record carries the same error object as
// a whole failed publish would, the good ones their partition and offset.
TEST_F(QueueApi, BatchWithSomeBadPartitionsReportsEachRecord) {
  const auto t = topic("some-bad");
  json messages = json::array();
  for (int i = 0; i < 30; ++i) {
    json m = {{"value", "v" + std::to_string(i)}};
    if (i % 10 == 3) m["partition"] = 40 + i;  // no such partitions
    if (i % 10 == 5) m["partition"] = 1;
    messages.push_back(m);
  }
  auto r = ok(post("publish", {{"topic", t}, {"messages", messages}}));
  EXPECT_EQ(r["status"], "partial");
  EXPECT_EQ(r["topic"], t);
  EXPECT_EQ(r["count"], 30);
  EXPECT_EQ(r["failed"], 3);
  ASSERT_EQ(r["results"].size(), 30u);
  auto single = error(post("publish", {{"topic", t}, {"message", "x"}, {"partition", 77}}), 400,
                      "bad_request");
  single.erase("request_id");
  for (int i = 0; i < 30; ++i) {
    const auto& res = r["results"][i];
    if (i % 10 == 3) {
      EXPECT_EQ(res, single) << i;  // the error object, without the request's id
      continue;
    }
    EXPECT_GE(res["offset"].get<int>(), 0) << res;
    if (i % 10 == 5) {
      EXPECT_EQ(res["partition"], 1) << res;
    }
  }
  const auto records = kcat_consume(broker_->bootstrap(), t);
  ASSERT_EQ(records.size(), 27u);
  for (int i = 0; i < 30; ++i) {
    if (i % 10 == 3) continue;
    const auto* rec = find(records, r["results"][i]);
    ASSERT_NE(rec, nullptr) << i;
    EXPECT_EQ(rec->value, "v" + std::to_string(i));
  }
}

TEST_F(QueueApi, ConsumerGroupReadsWhatKcatProduced) {
  const auto t = topic("kcat-in");
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i)
    lines.push_back("key" + std::to_string(i % 4) + "\t" + std::to_string(i));
  kcat_produce(broker_->bootstrap(), t, lines, /*keyed=*/true);

  const auto id = create_consumer("grp-" + t, t);
  ASSERT_EQ(id.size(), 32u);
  auto records = consume(id, 200);
  ASSERT_EQ(records.size(), 200u);
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& r : records) {
    EXPECT_EQ(r["topic"], t);
    per_key[r["key"].get<std::string>()].push_back(std::stoi(r["value"].get<std::string>()));
  }
  ASSERT_EQ(per_key.size(), 4u);
  for (const auto& [key, values] : per_key) {
    EXPECT_EQ(values.size(), 50u);
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << key;
  }
  // Commit explicit offsets, then everything returned so far.
  auto first = records.front();
  auto c1 =
      ok(post("consumers/" + id + "/offsets", {{"offsets",
                                                {{{"topic", t},
                                                  {"partition", first["partition"]},
                                                  {"offset", first["offset"].get<int>() + 1}}}}}));
  EXPECT_EQ(c1["committed"].size(), 1u);
  auto c2 = ok(post("consumers/" + id + "/offsets", json::object()));
  std::int64_t total = 0;
  for (const auto& o : c2["committed"]) total += o["offset"].get<std::int64_t>();
  EXPECT_EQ(total, 200);

  auto del = http_request(daemon_->port(), "DELETE", url("consumers/" + id));
  EXPECT_EQ(del.status, 204);
  error(get("consumers/" + id + "/records"), 404, "not_found");
  error(http_request(daemon_->port(), "DELETE", url("consumers/" + id)), 404, "not_found");
}

TEST_F(QueueApi, FiftyClientsTwentyThousandKeyedMessagesNoLossNoDuplicates) {
  const auto t = topic("load");
  constexpr int kClients = 50;
  constexpr int kPerClient = 400;  // 20,000 in total
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpConnection conn(daemon_->port());
      for (int i = 0; i < kPerClient; ++i) {
        // Four keys per client; each client publishes in order, one after the other.
        json body = {{"topic", t},
                     {"key", "c" + std::to_string(c) + "-k" + std::to_string(i % 4)},
                     {"message", std::to_string(c) + ":" + std::to_string(i)}};
        auto r = conn.request("POST", url("publish"), body.dump());
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& th : clients) th.join();
  ASSERT_EQ(failures.load(), 0);

  const auto id = create_consumer("grp-" + t, t);
  auto records = consume(id, kClients * kPerClient, 120s);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kClients * kPerClient));
  std::set<std::string> unique;
  std::map<std::string, int> last_seq;
  for (const auto& r : records) {
    const std::string value = r["value"];
    ASSERT_TRUE(unique.insert(value).second) << "duplicate " << value;
    const int seq = std::stoi(value.substr(value.find(':') + 1));
    const std::string key = r["key"];
    auto [it, fresh] = last_seq.emplace(key, seq);
    if (!fresh) {
      EXPECT_GT(seq, it->second) << "order broken for key " << key;
      it->second = seq;
    }
  }
  EXPECT_EQ(last_seq.size(), static_cast<std::size_t>(kClients * 4));
  // Nothing more than those: a further poll returns nothing.
  auto extra = ok(get("consumers/" + id + "/records?timeout_ms=300"));
  EXPECT_TRUE(extra["records"].empty());
  http_request(daemon_->port(), "DELETE", url("consumers/" + id));
}

TEST_F(QueueApi, StatelessCursorsPageAndRejectTampering) {
  const auto t = topic("cursor");
  json messages = json::array();
  for (int i = 0; i < 30; ++i) messages.push_back({{"value", std::to_string(i)}});
  ok(post("publish", {{"topic", t}, {"messages", messages}}));

  std::set<std::string> seen;
  auto first = ok(get("topics/" + t + "/records?from=earliest&max=7&timeout_ms=1000"));
  EXPECT_LE(first["records"].size(), 7u);
  for (const auto& r : first["records"]) seen.insert(r["value"].get<std::string>());
  std::string cursor = first["next_cursor"];
  for (int i = 0; i < 40 && seen.size() < 30; ++i) {
    auto page = ok(get("topics/" + t + "/records?max=7&timeout_ms=500&cursor=" + cursor));
    for (const auto& r : page["records"]) {
      EXPECT_TRUE(seen.insert(r["value"].get<std::string>()).second) << "seen twice";
    }
    cursor = page["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 30u);
  // At the end: nothing, and the same cursor back.
  auto end = ok(get("topics/" + t + "/records?timeout_ms=200&cursor=" + cursor));
  EXPECT_TRUE(end["records"].empty());
  EXPECT_EQ(end["next_cursor"], cursor);
  // from=latest skips what exists.
  auto latest = ok(get("topics/" + t + "/records?from=latest&timeout_ms=100"));
  EXPECT_TRUE(latest["records"].empty());
  EXPECT_EQ(latest["next_cursor"], cursor);

  // Tampered, truncated, foreign-topic and garbage cursors are 400s.
  std::string tampered = cursor;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  error(get("topics/" + t + "/records?cursor=" + tampered), 400, "bad_request");
  error(get("topics/" + t + "/records?cursor=" + cursor.substr(0, cursor.size() - 2)), 400,
        "bad_request");
  const auto other = topic("cursor-other");
  ok(post("publish", {{"topic", other}, {"message", "x"}}));
  auto foreign = error(get("topics/" + other + "/records?cursor=" + cursor), 400, "bad_request");
  EXPECT_EQ(foreign["error"], "invalid cursor");
  error(get("topics/" + t + "/records?cursor=not-a-cursor!"), 400, "bad_request");
  error(get("topics/" + t + "/records?cursor=" + cursor + "&from=earliest"), 400, "bad_request");
}

TEST_F(QueueApi, TopicAdmin) {
  const auto t = topic("admin");
  broker_->create_topic(t, 3);
  ok(post("publish", {{"topic", t}, {"message", "a"}, {"partition", 1}}));
  ok(post("publish", {{"topic", t}, {"message", "b"}, {"partition", 1}}));
  auto list = ok(get("topics"));
  bool listed = false;
  for (const auto& name : list["topics"]) listed = listed || name == t;
  EXPECT_TRUE(listed) << list;

  auto d = ok(get("topics/" + t));
  EXPECT_EQ(d["topic"], t);
  ASSERT_EQ(d["partitions"].size(), 3u);
  EXPECT_EQ(d["partitions"][1]["partition"], 1);
  EXPECT_EQ(d["partitions"][1]["leader"], 1);
  EXPECT_EQ(d["partitions"][1]["low"], 0);
  EXPECT_EQ(d["partitions"][1]["high"], 2);
  EXPECT_EQ(d["partitions"][0]["high"], 0);
  EXPECT_EQ(d["messages"], 2);
  error(get("topics/missing-topic-xyz"), 404, "not_found");

  // The mock cluster never answers CreateTopics/DeleteTopics: a clear error within the deadline.
  auto start = Clock::now();
  auto created = error(
      post("topics", {{"topic", topic("new")}, {"num_partitions", 2}, {"replication_factor", 1}}),
      504, "timeout");
  EXPECT_LE(Clock::now() - start, std::chrono::milliseconds(kTimeoutMs + 500));
  EXPECT_NE(created["details"].value("hint", ""), "");
  start = Clock::now();
  error(http_request(daemon_->port(), "DELETE", url("topics/" + t)), 504, "timeout");
  EXPECT_LE(Clock::now() - start, std::chrono::milliseconds(kTimeoutMs + 500));

  // A kafka service that is not there: a clear 503 within the deadline.
  start = Clock::now();
  error(get("topics", "dead"), 503, "backend_unavailable");
  EXPECT_LE(Clock::now() - start, std::chrono::milliseconds(kTimeoutMs + 500));
}

TEST_F(QueueApi, UnknownTopicWithAutoCreateOffIsNotFound) {
  error(post("publish", {{"topic", topic("absent")}, {"message", "x"}}, "strict"), 404,
        "not_found");
  const auto t = topic("present");
  broker_->create_topic(t, 2);
  ok(post("publish", {{"topic", t}, {"message", "x"}}, "strict"));
}

TEST_F(QueueApi, BrokerDownGives503WithinTheDeadlineAndNothingAcknowledgedIsLost) {
  const auto t = topic("outage");
  ok(post("publish", {{"topic", t}, {"message", "warm-up"}}));
  std::mutex mu;
  std::vector<std::pair<json, std::string>> acknowledged;  // (partition/offset, value)
  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0}, slow{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < 4; ++p) {
    publishers.emplace_back([&, p] {
      HttpConnection conn(daemon_->port());
      for (int i = 0; !stop; ++i) {
        const std::string value = std::to_string(p) + ":" + std::to_string(i);
        const auto start = Clock::now();
        auto r =
            conn.request("POST", url("publish"), json{{"topic", t}, {"message", value}}.dump());
        if (Clock::now() - start > std::chrono::milliseconds(kTimeoutMs + 1'000)) ++slow;
        if (r.status == 200) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(r.json(), value);
        } else if (r.status == 503) {
          ++unavailable;
        } else {
          ADD_FAILURE() << r.body;
        }
      }
    });
  }
  auto acked = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  auto await_acked_beyond = [&](std::size_t n) {
    const auto deadline = Clock::now() + 60s;
    while (acked() <= n && Clock::now() < deadline) std::this_thread::yield();
    return acked() > n;
  };
  ASSERT_TRUE(await_acked_beyond(20));
  broker_->set_down();
  const auto deadline = Clock::now() + 30s;
  while (unavailable < 4 && Clock::now() < deadline) std::this_thread::yield();
  EXPECT_GE(unavailable.load(), 4);
  const std::size_t before_up = acked();
  broker_->set_up();
  const bool resumed = await_acked_beyond(before_up + 20);
  stop = true;
  for (auto& th : publishers) th.join();
  ASSERT_TRUE(resumed) << "publishing did not resume after the broker came back";
  EXPECT_EQ(slow.load(), 0) << "a publish took longer than its deadline";

  // Every acknowledged message is in Kafka, where the gateway said it was.
  const auto records = kcat_consume(broker_->bootstrap(), t);
  std::map<std::pair<int, std::int64_t>, std::string> stored;
  for (const auto& r : records) stored[{r.partition, r.offset}] = *r.value;
  for (const auto& [where, value] : acknowledged) {
    auto it = stored.find({where["partition"].get<int>(), where["offset"].get<std::int64_t>()});
    ASSERT_NE(it, stored.end()) << "acknowledged " << value << " is missing";
    EXPECT_EQ(it->second, value);
  }
}

TEST_F(QueueApi, EveryBadInputIsAClear4xx) {
  struct Case {
    std::string name;
    json body;
    int status;
  };
  const std::vector<Case> publish_cases = {
      {"missing topic", {{"message", "x"}}, 400},
      {"empty topic", {{"topic", ""}, {"message", "x"}}, 400},
      {"bad topic chars", {{"topic", "a b"}, {"message", "x"}}, 400},
      {"topic not a string", {{"topic", 5}, {"message", "x"}}, 400},
      {"missing message", {{"topic", "t"}}, 400},
      {"message is a number", {{"topic", "t"}, {"message", 5}}, 400},
      {"byte out of range", {{"topic", "t"}, {"message", {1, 256}}}, 400},
      {"byte not a number", {{"topic", "t"}, {"message", {1, "2"}}}, 400},
      {"invalid base64", {{"topic", "t"}, {"message", {{"base64", "!!!"}}}}, 400},
      {"base64 not a string", {{"topic", "t"}, {"message", {{"base64", 1}}}}, 400},
      {"object without base64", {{"topic", "t"}, {"message", {{"hex", "00"}}}}, 400},
      {"partition a string", {{"topic", "t"}, {"message", "x"}, {"partition", "1"}}, 400},
      {"negative partition", {{"topic", "t"}, {"message", "x"}, {"partition", -2}}, 400},
      {"headers a string", {{"topic", "t"}, {"message", "x"}, {"headers", "h"}}, 400},
      {"header without name",
       {{"topic", "t"}, {"message", "x"}, {"headers", {{{"value", "v"}}}}},
       400},
      {"unknown field", {{"topic", "t"}, {"message", "x"}, {"colour", "red"}}, 400},
      {"message and messages",
       {{"topic", "t"}, {"message", "x"}, {"messages", {{{"value", "y"}}}}},
       400},
      {"messages empty", {{"topic", "t"}, {"messages", json::array()}}, 400},
      {"messages not objects", {{"topic", "t"}, {"messages", {1, 2}}}, 400},
      {"batch item without value", {{"topic", "t"}, {"messages", {{{"key", "k"}}}}}, 400},
      {"batch item bad base64",
       {{"topic", "t"}, {"messages", {{{"value", {{"base64", "%"}}}}}}},
       400},
      {"service not kafka", {{"topic", "t"}, {"message", "x"}, {"service", "nope"}}, 404},
  };
  for (const auto& c : publish_cases) {
    auto r = post("publish", c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_FALSE(json::parse(r.body, nullptr, false).value("error", "").empty()) << c.name;
  }
  error(http_request(daemon_->port(), "POST", url("publish"), "{not json"), 400, "invalid_json");
  error(http_request(daemon_->port(), "POST", url("publish"), "[1]"), 400, "bad_request");
  error(post("publish", {{"topic", "t"}, {"message", "x"}}, "no-such-cluster"), 404, "not_found");
  error(post("publish", {{"topic", "t"}, {"message", "x"}}, "nokafka"), 404, "not_found");
  // Over the producer's message.max.bytes (1 MB by default).
  error(post("publish", {{"topic", topic("big")}, {"message", std::string(1'500'000, 'x')}}), 413,
        "payload_too_large");

  const std::vector<Case> consumer_cases = {
      {"missing group", {{"topics", {"t"}}}, 400},
      {"group not a string", {{"group", 1}, {"topics", {"t"}}}, 400},
      {"missing topics", {{"group", "g"}}, 400},
      {"topics empty", {{"group", "g"}, {"topics", json::array()}}, 400},
      {"bad topic", {{"group", "g"}, {"topics", {"a/b"}}}, 400},
      {"bad reset", {{"group", "g"}, {"topics", {"t"}}, {"auto_offset_reset", "middle"}}, 400},
      {"auto_commit a string", {{"group", "g"}, {"topics", {"t"}}, {"auto_commit", "yes"}}, 400},
  };
  for (const auto& c : consumer_cases) {
    auto r = post("consumers", c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
  }
  error(get("consumers/not-an-id/records"), 404, "not_found");
  error(get("consumers/0123456789abcdef0123456789abcdef/records"), 404, "not_found");
  error(post("consumers/0123456789abcdef0123456789abcdef/offsets", json::object()), 404,
        "not_found");
  error(post("consumers/0123456789abcdef0123456789abcdef/offsets", {{"offsets", "all"}}), 400,
        "bad_request");

  const auto t = topic("params");
  ok(post("publish", {{"topic", t}, {"message", "x"}}));
  error(get("topics/" + t + "/records?max=0"), 400, "bad_request");
  error(get("topics/" + t + "/records?max=abc"), 400, "bad_request");
  error(get("topics/" + t + "/records?timeout_ms=600000"), 400, "bad_request");
  error(get("topics/" + t + "/records?encoding=hex"), 400, "bad_request");
  error(get("topics/" + t + "/records?from=middle"), 400, "bad_request");
  error(get("topics/bad%20name/records"), 400, "bad_request");
  error(get("topics/" + topic("never") + "/records?timeout_ms=0"), 404, "not_found");
  error(post("topics", {{"topic", "x"}, {"num_partitions", 0}}), 400, "bad_request");
  error(post("topics", {{"topic", "x"}, {"num_partitions", "3"}}), 400, "bad_request");
  error(post("topics", {{"num_partitions", 3}}), 400, "bad_request");
  error(post("topics", {{"topic", "x"}, {"config", {{"retention.ms", {1}}}}}), 400, "bad_request");
  error(get("topics/" + t + "/stream?from=middle"), 400, "bad_request");
  error(get("topics/" + t + "/stream?cursor=garbage"), 400, "bad_request");
}

// ---- streaming ---------------------------------------------------------------------------

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

// Reads from `fd` until `done(text)` or the deadline. @return everything read.
std::string read_until(int fd, const std::function<bool(const std::string&)>& done,
                       std::chrono::milliseconds within) {
  std::string text;
  const auto deadline = Clock::now() + within;
  while (!done(text) && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST_F(QueueApi, ServerSentEventsDeliverRecordsAsTheyArriveAndResumeFromLastEventId) {
  const auto t = topic("sse");
  ok(post("publish", {{"topic", t}, {"message", "old-0"}, {"partition", 0}}));
  int fd = connect_to(daemon_->port());
  const std::string req = "GET " + url("topics/" + t + "/stream?from=earliest") +
                          " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
  ASSERT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  auto text = read_until(
      fd, [](const std::string& s) { return count(s, "event: record") >= 1; }, 10s);
  EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
  EXPECT_NE(text.find("text/event-stream"), std::string::npos);
  EXPECT_NE(text.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(text.find("old-0"), std::string::npos) << text;
  // Records published now arrive on the open stream.
  for (int i = 1; i <= 3; ++i) {
    ok(post("publish", {{"topic", t}, {"message", "new-" + std::to_string(i)}, {"partition", 0}}));
  }
  text += read_until(
      fd, [&](const std::string& s) { return count(text + s, "event: record") >= 4; }, 10s);
  ::close(fd);
  ASSERT_EQ(count(text, "event: record"), 4u) << text;
  EXPECT_NE(text.find("new-3"), std::string::npos);
  // The id of the second event is a cursor: resuming from it delivers records 3 and 4 only.
  auto second = text.find("id: ", text.find("old-0"));
  ASSERT_NE(second, std::string::npos);
  const std::string id = text.substr(second + 4, text.find('\n', second) - second - 4);
  fd = connect_to(daemon_->port());
  const std::string resume = "GET " + url("topics/" + t + "/stream") +
                             " HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + id + "\r\n\r\n";
  ASSERT_EQ(::write(fd, resume.data(), resume.size()), static_cast<ssize_t>(resume.size()));
  auto again = read_until(
      fd, [](const std::string& s) { return count(s, "event: record") >= 2; }, 10s);
  ::close(fd);
  EXPECT_EQ(again.find("old-0"), std::string::npos) << again;
  EXPECT_EQ(again.find("new-1"), std::string::npos) << again;
  EXPECT_NE(again.find("new-2"), std::string::npos) << again;
  EXPECT_NE(again.find("new-3"), std::string::npos) << again;
}

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

TEST_F(QueueApi, WebSocketStreamsCommitWhatTheClientAcknowledges) {
  const auto t = topic("ws");
  const std::string group = "ws-" + t;
  for (int i = 0; i < 5; ++i) {
    ok(post("publish", {{"topic", t}, {"message", "m" + std::to_string(i)}, {"partition", 0}}));
  }
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), daemon_->port()});
  websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
  ws.handshake("127.0.0.1", url("topics/" + t + "/stream?group=" + group + "&from=earliest"));
  auto next = [&ws] {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data()));
  };
  auto hello = next();
  EXPECT_EQ(hello["type"], "subscribed");
  EXPECT_EQ(hello["group"], group);
  std::vector<json> records;
  while (records.size() < 5) {
    auto m = next();
    ASSERT_EQ(m["type"], "records") << m;
    for (auto& r : m["records"]) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0]["value"], "m0");
  EXPECT_EQ(records[4]["value"], "m4");
  // Acknowledge the first three: offsets 0..2 of partition 0 are processed.
  ws.write(boost::asio::buffer(json{{"ack", {{{"partition", 0}, {"offset", 2}}}}}.dump()));
  auto committed = next();
  ASSERT_EQ(committed["type"], "committed") << committed;
  ASSERT_EQ(committed["offsets"].size(), 1u);
  EXPECT_EQ(committed["offsets"][0]["offset"], 3);  // the next offset to read
  ws.write(boost::asio::buffer(std::string("not json")));
  EXPECT_EQ(next()["type"], "error");
  ws.close(websocket::close_code::normal);

  // The group resumes after what was acknowledged: m3 and m4 come again, m0..m2 do not.
  const auto id = create_consumer(group, t);
  auto rest = consume(id, 2);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0]["value"], "m3");
  EXPECT_EQ(rest[1]["value"], "m4");
  http_request(daemon_->port(), "DELETE", url("consumers/" + id));
}

TEST_F(QueueApi, StatelessWebSocketCarriesCursors) {
  const auto t = topic("ws-cursor");
  ok(post("publish", {{"topic", t}, {"message", "a"}}));
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), daemon_->port()});
  websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
  ws.handshake("127.0.0.1", url("topics/" + t + "/stream?from=earliest&encoding=bytes"));
  beast::flat_buffer buffer;
  ws.read(buffer);
  auto hello = json::parse(beast::buffers_to_string(buffer.data()));
  EXPECT_FALSE(hello.value("next_cursor", "").empty());
  buffer.clear();
  ws.read(buffer);
  auto batch = json::parse(beast::buffers_to_string(buffer.data()));
  ASSERT_EQ(batch["type"], "records");
  EXPECT_EQ(batch["records"][0]["value"], json({97}));
  const std::string cursor = batch["next_cursor"];
  ws.close(websocket::close_code::normal);
  // The cursor continues over plain HTTP: nothing after "a" yet.
  auto page = ok(get("topics/" + t + "/records?timeout_ms=200&cursor=" + cursor));
  EXPECT_TRUE(page["records"].empty());
}

// Last: it restarts the shared daemon.
TEST_F(QueueApi, OpenStreamsDoNotHoldUpShutdown) {
  const auto t = topic("shutdown");
  ok(post("publish", {{"topic", t}, {"message", "x"}}));
  int sse = connect_to(daemon_->port());
  const std::string req =
      "GET " + url("topics/" + t + "/stream?from=earliest") + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(sse, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  auto seen = read_until(
      sse, [](const std::string& s) { return count(s, "event: record") >= 1; }, 10s);
  ASSERT_EQ(count(seen, "event: record"), 1u) << seen;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), daemon_->port()});
  websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
  ws.handshake("127.0.0.1", url("topics/" + t + "/stream?from=latest"));

  // server.shutdown_timeout is 10 s: the streams must end before it, so the server never has
  // to close their connections at its deadline (it logs when it does). Not a tighter time
  // bound: under load the rest of the shutdown (producers flushing) varies.
  const auto start = Clock::now();
  EXPECT_EQ(daemon_->stop(SIGTERM), 0) << daemon_->output();
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(daemon_->output().find("shutdown deadline passed"), std::string::npos)
      << daemon_->output();
  // The SSE body was ended properly (the last chunk) before the connection closed.
  auto rest = read_until(
      sse, [](const std::string&) { return false; }, 2s);
  EXPECT_NE((seen + rest).find("\r\n0\r\n\r\n"), std::string::npos) << rest;
  ::close(sse);
  daemon_->restart();  // for any test that runs after this one
}

}  // namespace
}  // namespace throome::testing
