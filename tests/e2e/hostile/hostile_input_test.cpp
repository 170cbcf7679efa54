// Hostile input against the real daemon in front of a real redis-server, a real PostgreSQL
// and a Kafka-protocol broker (librdkafka's mock cluster in its own process). Every case
// gets a clear 4xx JSON error (or, for HTTP that cannot be parsed, a 400 and a closed
// connection, or just a closed connection); after every test the daemon still answers, and
// the clusters dir, the Redis keyspace, the PostgreSQL tables and the Kafka topics are what
// they were (checked with redis-cli, psql and kcat as independent peers).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/kafka_broker.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace throome::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* kConfig = R"(
server:
  max_body_bytes: 1MiB
  max_header_bytes: 8KiB
  read_timeout: 2s
)";

struct State {
  std::map<std::string, std::string> clusters_dir;
  std::string redis;
  std::string postgres;
  std::string kafka;
  bool operator==(const State&) const = default;
};

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServer();
    postgres_ = new PostgresServer();
    broker_ = new KafkaMockBroker();
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    o.config_yaml = kConfig;
    daemon_ = new DaemonProcess(o);

    // Known contents the hostile requests must leave alone.
    redis_->cli({"SET", "keep", "v"});
    postgres_->psql(
        "CREATE TABLE items (id int PRIMARY KEY, name text); "
        "INSERT INTO items VALUES (1, 'one')");
    broker_->create_topic("keep", 1);
    kcat_produce(broker_->bootstrap(), "keep", {"m1"});

    json body = {
        {"name", "hostile"},
        {"cluster_id", "h"},
        {"services",
         {{"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", redis_->port()}}},
          {"db",
           {{"type", "postgres"},
            {"host", "127.0.0.1"},
            {"port", postgres_->port()},
            {"username", PostgresServer::kUser},
            {"password", PostgresServer::kPassword},
            {"database", PostgresServer::kDatabase}}},
          {"events",
           {{"type", "kafka"},
            {"host", "127.0.0.1"},
            {"port", broker_->port()},
            {"options", {{"auto_create_topics", false}}}}}}},
        {"statements", {{"item_by_id", {{"sql", "SELECT name FROM items WHERE id = $1"}}}}},
        {"routing", {{"timeout_ms", 3000}}}};
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    // Wait until every backend answers through the gateway.
    auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
      auto get = post("/api/v1/clusters/h/cache/get", {{"key", "keep"}});
      auto query = post("/api/v1/clusters/h/db/query", {{"query", "SELECT 1"}});
      auto topics = call("GET", "/api/v1/clusters/h/queue/topics");
      if (get.status == 200 && query.status == 200 && topics.status == 200) break;
    }
  }
  static void TearDownTestSuite() {
    // A clean exit after all that: under ASan a leak report makes it non-zero.
    const int code = daemon_->stop();
    EXPECT_EQ(code, 0) << daemon_->output().substr(0, 20'000);
    delete daemon_;
    delete dir_;
    delete broker_;
    delete postgres_;
    delete redis_;
  }

  void SetUp() override { before_ = state(); }

  // After every test: the daemon still serves, and nothing changed anywhere.
  void TearDown() override {
    auto health = call("GET", "/health");
    EXPECT_EQ(health.status, 200) << "the daemon stopped serving: " << daemon_->output();
    auto get = post("/api/v1/clusters/h/cache/get", {{"key", "keep"}});
    EXPECT_EQ(get.status, 200) << get.body;
    auto after = state();
    EXPECT_EQ(after.clusters_dir, before_.clusters_dir) << "the clusters dir changed";
    EXPECT_EQ(after.redis, before_.redis) << "Redis changed";
    EXPECT_EQ(after.postgres, before_.postgres) << "PostgreSQL changed";
    EXPECT_EQ(after.kafka, before_.kafka) << "Kafka changed";
  }

  static State state() {
    State s;
    s.clusters_dir = snapshot_dir(dir_->path() / "clusters");
    // Every key with its type and value dump (binary-safe through DUMP's hex-free escape).
    auto keys = redis_->cli({"--scan"});
    std::vector<std::string> lines;
    std::istringstream in(keys);
    for (std::string k; std::getline(in, k);) lines.push_back(k);
    std::sort(lines.begin(), lines.end());
    for (const auto& k : lines) s.redis += k + "=" + redis_->cli({"GET", k}) + "\n";
    s.postgres =
        postgres_->psql(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
            "WHERE schemaname = 'public'") +
        "|" + postgres_->psql("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM items");
    auto listing = run_command({"kcat", "-b", broker_->bootstrap(), "-L"});
    std::set<std::string> topics;
    std::istringstream lin(listing.out);
    for (std::string line; std::getline(lin, line);) {
      auto p = line.find("topic \"");
      if (p == std::string::npos) continue;
      auto q = line.find('"', p + 7);
      topics.insert(line.substr(p + 7, q - p - 7));
    }
    for (const auto& t : topics) s.kafka += t + ",";
    s.kafka += "|keep=" + std::to_string(kcat_consume(broker_->bootstrap(), "keep").size());
    return s;
  }

  static HttpResult call(const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return http_request(daemon_->port(), method, target, body, headers);
  }
  static HttpResult post(const std::string& target, const json& body) {
    return call("POST", target, body.dump());
  }

  // A 4xx JSON error of the documented shape; returns its body.
  static json expect_client_error(const HttpResult& r, const std::string& what) {
    EXPECT_GE(r.status, 400) << what << ": " << r.body;
    EXPECT_LT(r.status, 500) << what << ": " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json") << what;
    json body = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(body.is_object()) << what << ": " << r.body;
    if (!body.is_object()) return body;
    EXPECT_EQ(body.value("status", 0), r.status) << what;
    EXPECT_TRUE(body.contains("code") && body["code"].is_string()) << what;
    EXPECT_TRUE(body.contains("error") && body["error"].is_string()) << what;
    EXPECT_FALSE(body.value("error", "").empty()) << what;
    return body;
  }
  static json expect_bad_request(const HttpResult& r, const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    return expect_client_error(r, what);
  }

  // Raw bytes that are not valid HTTP: at most one answer, a 4xx JSON error, and the
  // connection closed by the server (raw_exchange returns before its own timeout).
  static void expect_broken_http(const std::string& bytes, const std::string& what) {
    const auto start = Clock::now();
    auto raw = raw_exchange(daemon_->port(), bytes, 10s);
    EXPECT_LT(Clock::now() - start, 9s) << what << ": the server did not close the connection";
    auto responses = parse_responses(raw);
    ASSERT_LE(responses.size(), 1u) << what << ": " << raw;
    if (responses.empty()) return;  // closed without an answer
    expect_client_error(responses[0], what);
    EXPECT_EQ(responses[0].header("connection"), "close") << what;
  }

  State before_;
  static RedisServer* redis_;
  static PostgresServer* postgres_;
  static KafkaMockBroker* broker_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
RedisServer* HostileInput::redis_ = nullptr;
PostgresServer* HostileInput::postgres_ = nullptr;
KafkaMockBroker* HostileInput::broker_ = nullptr;
TempDir* HostileInput::dir_ = nullptr;
DaemonProcess* HostileInput::daemon_ = nullptr;

// ---------------------------------------------------------------------------------------
// Broken HTTP

TEST_F(HostileInput, MalformedHttpGets400AndACloseOrJustAClose) {
  const std::string set_body = R"({"key":"x","value":"y"})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no target", "GET\r\n\r\n"},
      {"bad version", "GET /health HTTP/9.9\r\nHost: x\r\n\r\n"},
      {"bad method token", "G@T /health HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"space in target", "GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"NUL in request line", std::string("GET /hea\0lth HTTP/1.1\r\nHost: x\r\n\r\n", 34)},
      {"header without colon", "GET /health HTTP/1.1\r\nHost x\r\n\r\n"},
      {"header name with space", "GET /health HTTP/1.1\r\nBad Name: x\r\n\r\n"},
      {"bare CR in header value", "GET /health HTTP/1.1\r\nX-Request-ID: a\rSet-Cookie: y\r\n\r\n"},
      {"NUL in header value", std::string("GET /health HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 34)},
      {"LF-only line endings", "GET /health HTTP/1.1\nHost: x\n\n"},
      {"bad chunk size",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\nzz\r\n" +
           set_body + "\r\n0\r\n\r\n"},
      {"chunk longer than said",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\n2\r\n" +
           set_body + "\r\n0\r\n\r\n"},
      {"huge chunk size",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nab\r\n"},
      {"negative content length",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: -5\r\n\r\n" +
           set_body},
      {"two content lengths",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: 3\r\nContent-Length: 23\r\n\r\n" +
           set_body},
      {"content length and chunked",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: 23\r\nTransfer-Encoding: chunked\r\n\r\n" +
           set_body},
      {"binary garbage", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) +
                             std::string(200, '\xff') + "\r\n\r\n"},
  };
  for (const auto& [what, bytes] : cases) expect_broken_http(bytes, what);
}

TEST_F(HostileInput, TruncatedRequestsAreDroppedWithoutEffect) {
  // The client stops mid-request (and keeps the connection open): the read timeout (2 s
  // here) drops it without an answer and without running anything.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"request line only", "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\n"},
      {"header cut", "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\nContent-Le"},
      {"body cut",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"key\":\"x\",\"va"},
      {"chunked cut",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"key"},
  };
  for (const auto& [what, bytes] : cases) {
    const auto start = Clock::now();
    auto raw = raw_exchange(daemon_->port(), bytes, 10s);
    EXPECT_LT(Clock::now() - start, 9s) << what;
    EXPECT_TRUE(parse_responses(raw).empty()) << what << ": " << raw;
  }
}

TEST_F(HostileInput, SlowlorisClientsAreDroppedAtTheReadTimeout) {
  // Each client keeps sending, a little at a time, so the connection is never idle: only a
  // deadline on the whole request (read_timeout, 2 s here) gets rid of it. The bytes stay far
  // below the header and body limits.
  struct Case {
    const char* what;
    std::string head;
    std::string piece;
  };
  const std::vector<Case> cases = {
      {"headers", "GET /health HTTP/1.1\r\nHost: x\r\n", "X-Slow: y\r\n"},
      {"body",
       "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
       "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"key\":\"x\",\"value\":\"",
       "y"},
  };
  for (const auto& c : cases) {
    const auto r = dribble(daemon_->port(), c.head, c.piece, 200ms, 15s);
    EXPECT_TRUE(r.closed_by_server)
        << c.what << ": still open after " << r.open_for.count() << " ms";
    EXPECT_GE(r.open_for, 1500ms) << c.what << ": dropped before the read timeout";
    EXPECT_LT(r.open_for, 6s) << c.what;
    for (const auto& response : parse_responses(r.received)) {
      EXPECT_NE(response.status, 200) << c.what << ": " << r.received;
    }
  }
  // Nothing ran (TearDown checks Redis has no "x"), and the daemon serves on.
  EXPECT_EQ(http_request(daemon_->port(), "GET", "/health").status, 200);
}

TEST_F(HostileInput, PipelinedGarbageAfterAValidRequest) {
  auto raw = raw_exchange(daemon_->port(),
                          "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                          "THIS IS NOT HTTP\r\n\r\n"
                          "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: 23\r\n\r\n{\"key\":\"x\",\"value\":\"y\"}",
                          10s);
  auto responses = parse_responses(raw);
  ASSERT_EQ(responses.size(), 2u) << raw;
  EXPECT_EQ(responses[0].status, 200);
  expect_bad_request(responses[1], "garbage after a valid request");
  EXPECT_EQ(responses[1].header("connection"), "close");
  // The request after the garbage never ran (TearDown checks Redis has no "x").
}

TEST_F(HostileInput, OversizeHeaderBodyAndRequestLine) {
  {
    auto raw = raw_exchange(daemon_->port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                 std::string(100'000, 'a') + "\r\n\r\n");
    auto responses = parse_responses(raw);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 431);
    expect_client_error(responses[0], "huge header");
  }
  {
    std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    auto responses = parse_responses(raw_exchange(daemon_->port(), many + "\r\n"));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 431);
  }
  {
    auto raw = raw_exchange(daemon_->port(),
                            "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto responses = parse_responses(raw);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 431);
  }
  {
    // 2 MiB JSON body over the 1 MiB limit: 413 from Content-Length, nothing stored.
    json body = {{"key", "big"}, {"value", std::string(2 * 1024 * 1024, 'v')}};
    auto r = post("/api/v1/clusters/h/cache/set", body);
    EXPECT_EQ(r.status, 413);
    expect_client_error(r, "huge body");
  }
  {
    // The same through chunked encoding (no Content-Length to decide from).
    std::string chunk(64 * 1024, 'v');
    std::string req =
        "POST /api/v1/clusters/h/cache/set HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/json\r\n\r\n";
    std::ostringstream size;
    size << std::hex << chunk.size();
    for (int i = 0; i < 32; ++i) req += size.str() + "\r\n" + chunk + "\r\n";
    req += "0\r\n\r\n";
    auto responses = parse_responses(raw_exchange(daemon_->port(), req));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 413);
  }
}

// ---------------------------------------------------------------------------------------
// Header injection

TEST_F(HostileInput, HeaderInjectionNeverSplitsTheResponseHead) {
  // Encoded CR/LF and other junk in X-Request-ID: never echoed as a header line.
  for (const std::string& id :
       std::vector<std::string>{"abc%0d%0aSet-Cookie:%20evil", "a b", std::string(300, 'x'),
                                std::string("\x7f\x80\xff", 3)}) {
    auto r = call("GET", "/health", "", {{"X-Request-ID", id}});
    if (id[0] == '\x7f') {
      expect_bad_request(r, "a control character in a header value is broken HTTP");
      continue;
    }
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("set-cookie").empty());
    if (id.find(' ') != std::string::npos || id.size() > 128 || id[0] == '\x7f') {
      EXPECT_NE(r.header("x-request-id"), id) << "an unsafe request id was echoed";
    }
  }
  // A key with CR/LF is data: it appears JSON-escaped in the body, never in the head.
  auto r = post("/api/v1/clusters/h/cache/get", {{"key", "a\r\nSet-Cookie: evil=1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.header("set-cookie").empty());
  // CORS echoes Origin and Access-Control-Request-Headers: encoded line breaks stay inert.
  auto pre = call("OPTIONS", "/api/v1/clusters", "",
                  {{"Origin", "http://a%0d%0aSet-Cookie:x"},
                   {"Access-Control-Request-Method", "POST"},
                   {"Access-Control-Request-Headers", "x%0d%0aSet-Cookie: y"}});
  EXPECT_LT(pre.status, 300);
  EXPECT_TRUE(pre.header("set-cookie").empty());
}

// ---------------------------------------------------------------------------------------
// JSON: syntax, UTF-8, nesting, numbers, types

TEST_F(HostileInput, InvalidUtf8AndBrokenJsonBodies) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"invalid UTF-8 in a string", "{\"key\":\"k\xff\xfe\",\"value\":\"v\"}"},
      {"overlong UTF-8", "{\"key\":\"\xc0\xaf\",\"value\":\"v\"}"},
      {"lone surrogate escape", R"({"key":"\ud800","value":"v"})"},
      {"truncated", R"({"key":"k","value":)"},
      {"trailing garbage", R"({"key":"k","value":"v"} xx)"},
      {"not JSON", "key=k&value=v"},
      {"NUL byte raw", std::string("{\"key\":\"k\0\",\"value\":\"v\"}", 24)},
      {"top-level array", R"([{"key":"k","value":"v"}])"},
      {"top-level string", R"("k")"},
  };
  for (const auto& [what, body] : cases) {
    expect_bad_request(call("POST", "/api/v1/clusters/h/cache/set", body), what);
    expect_bad_request(call("POST", "/api/v1/clusters/h/db/execute", body), what + " (db)");
    expect_bad_request(call("POST", "/api/v1/clusters/h/queue/publish", body), what + " (queue)");
    expect_bad_request(call("POST", "/api/v1/clusters", body), what + " (clusters)");
  }
}

TEST_F(HostileInput, DeeplyNestedJsonIsRefusedAtTheLimit) {
  auto nested = [](int depth) {
    return "{\"key\":\"k\",\"value\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  // 64 nested containers in total are accepted by the parser (the handler then judges the
  // value); 65 are not.
  auto ok = call("POST", "/api/v1/clusters/h/cache/exists", nested(63));
  EXPECT_NE(json::parse(ok.body).value("code", ""), "invalid_json") << ok.body;
  for (int depth : {64, 1'000, 30'000}) {
    auto r = call("POST", "/api/v1/clusters/h/cache/set", nested(depth));
    auto body = expect_bad_request(r, "depth " + std::to_string(depth));
    EXPECT_EQ(body.value("code", ""), "invalid_json");
    EXPECT_NE(body.value("error", "").find("64"), std::string::npos) << r.body;
  }
  // Also in cluster bodies (JSON and YAML).
  expect_bad_request(call("POST", "/api/v1/clusters", std::string(10'000, '[')), "clusters");
  std::string yaml = "name: x\nservices: " + std::string(10'000, '[') + std::string(10'000, ']');
  expect_client_error(
      call("POST", "/api/v1/clusters", yaml, {{"Content-Type", "application/yaml"}}), "yaml");
}

TEST_F(HostileInput, YamlThatHungTheParserIsRefusedQuickly) {
  // yaml-cpp 0.7.0 looped forever on these (found by fuzz_cluster_yaml).
  for (const std::string body : {"{}, b", "name: x # c\n, b", "'x' , y", "---\n,"}) {
    const auto start = Clock::now();
    auto r = call("POST", "/api/v1/clusters", body, {{"Content-Type", "application/yaml"}});
    auto error = expect_bad_request(r, "yaml " + body);
    EXPECT_EQ(error.value("code", ""), "invalid_json");
    EXPECT_LT(Clock::now() - start, 5s) << body;
    expect_bad_request(
        call("POST", "/api/v1/clusters/validate", body, {{"Content-Type", "application/yaml"}}),
        "validate yaml " + body);
  }
}

TEST_F(HostileInput, HugeAndNegativeNumbersAreRefused) {
  const std::vector<std::string> bad_ints = {"-1",
                                             "-9223372036854775808",
                                             "18446744073709551615",
                                             "99999999999999999999999",
                                             "1e400",
                                             "1.5",
                                             "-0.5",
                                             "1e30"};
  struct Target {
    std::string path;
    std::string field;
    json base;
  };
  const std::vector<Target> targets = {
      {"/api/v1/clusters/h/cache/set", "ttl", {{"key", "n"}, {"value", "v"}}},
      {"/api/v1/clusters/h/cache/set", "expiration", {{"key", "n"}, {"value", "v"}}},
      {"/api/v1/clusters/h/cache/expire", "ttl", {{"key", "keep"}}},
      {"/api/v1/clusters/h/cache/lpop", "count", {{"key", "keep"}}},
      {"/api/v1/clusters/h/db/query", "max_rows", {{"query", "SELECT 1"}}},
      {"/api/v1/clusters/h/db/query", "timeout_ms", {{"query", "SELECT 1"}}},
      {"/api/v1/clusters/h/db/execute",
       "timeout_ms",
       {{"query", "INSERT INTO items VALUES (2, 'two')"}}},
      {"/api/v1/clusters/h/queue/publish", "partition", {{"topic", "keep"}, {"message", "x"}}},
      {"/api/v1/clusters/h/queue/topics", "num_partitions", {{"topic", "newtopic"}}},
      {"/api/v1/clusters/h/queue/topics", "replication_factor", {{"topic", "newtopic"}}},
  };
  for (const auto& t : targets) {
    for (const auto& n : bad_ints) {
      std::string body = t.base.dump();
      body.insert(body.size() - 1, ",\"" + t.field + "\":" + n);
      auto r = call("POST", t.path, body);
      // "1e400" is not even valid JSON for nlohmann (overflow): still a 400.
      if (n == "-1" && (t.field == "partition")) {
        expect_client_error(r, t.path + " " + t.field + "=" + n);
        continue;
      }
      expect_bad_request(r, t.path + " " + t.field + "=" + n);
    }
  }
  // Query parameters.
  for (const std::string q :
       {"max=-1", "max=0", "max=99999999999999999999", "max=abc", "max=1e3", "max_bytes=-1",
        "max_bytes=99999999999", "timeout_ms=-5", "timeout_ms=99999999999",
        "timeout_ms=", "from=yesterday", "cursor=%ff%00", "cursor=AAAA"}) {
    auto r = call("GET", "/api/v1/clusters/h/queue/topics/keep/records?" + q);
    expect_bad_request(r, "records?" + q);
  }
  // A 70 KB cursor: the request line alone is over this daemon's 8 KiB header limit.
  auto huge_cursor = call(
      "GET", "/api/v1/clusters/h/queue/topics/keep/records?cursor=" + std::string(70'000, 'A'));
  EXPECT_EQ(huge_cursor.status, 431);
  expect_client_error(huge_cursor, "70 KB cursor");
  for (const std::string q : {"limit=-1", "limit=18446744073709551616", "limit=1e9x"}) {
    expect_bad_request(call("GET", "/api/v1/activity?" + q), "activity?" + q);
  }
}

// Property types from docs/openapi.yaml: for every operation with a JSON body, each
// documented field gets each JSON type it does not accept.
class OpenApiBodies {
 public:
  OpenApiBodies() : spec_(YAML::LoadFile(std::string(THROOME_SOURCE_DIR) + "/docs/openapi.yaml")) {}

  struct Case {
    std::string method, path, field;
    json base;
    std::set<std::string> allowed;  // JSON types the field accepts
  };

  std::vector<Case> cases() const {
    std::vector<Case> out;
    for (const auto& path : spec_["paths"]) {
      for (const auto& op : path.second) {
        const auto method = op.first.as<std::string>();
        if (method != "post" && method != "put") continue;
        const YAML::Node rb = resolve(op.second["requestBody"]);
        if (!rb || !rb["content"] || !rb["content"]["application/json"]) continue;
        const YAML::Node schema = resolve(rb["content"]["application/json"]["schema"]);
        if (!schema || !schema["properties"]) continue;
        json base = json::object();
        if (schema["example"]) base = to_json(schema["example"]);
        if (!base.is_object()) base = json::object();
        for (const auto& prop : schema["properties"]) {
          Case c{upper(method), path.first.as<std::string>(), prop.first.as<std::string>(), base,
                 types_of(prop.second)};
          if (!c.allowed.empty()) out.push_back(std::move(c));
        }
      }
    }
    return out;
  }

 private:
  static std::string upper(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
  }

  // Never assigns one YAML::Node to another: yaml-cpp's operator= rebinds the referenced
  // node inside the document.
  static YAML::Node at(const YAML::Node& n, const std::vector<std::string>& parts, std::size_t i) {
    if (i == parts.size()) return n;
    return at(n[parts[i]], parts, i + 1);
  }

  YAML::Node resolve(const YAML::Node& n, int hops = 0) const {
    if (hops > 10 || !n || !n.IsMap() || !n["$ref"]) return n;
    const auto ref = n["$ref"].as<std::string>();  // #/components/<kind>/<name>
    std::vector<std::string> parts;
    std::istringstream in(ref.substr(2));
    for (std::string p; std::getline(in, p, '/');) parts.push_back(p);
    return resolve(at(spec_, parts, 0), hops + 1);
  }

  // The JSON types a schema accepts; empty when it says nothing we can rely on.
  std::set<std::string> types_of(const YAML::Node& schema) const {
    const YAML::Node s = resolve(schema);
    std::set<std::string> out;
    if (!s || !s.IsMap()) return out;
    if (s["type"]) {
      if (s["type"].IsSequence()) {
        for (const auto& t : s["type"]) out.insert(t.as<std::string>());
      } else {
        out.insert(s["type"].as<std::string>());
      }
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      if (!s[key]) continue;
      for (const auto& alt : s[key]) {
        auto sub = types_of(alt);
        if (sub.empty()) return {};  // an alternative without a type: anything may pass
        out.insert(sub.begin(), sub.end());
      }
    }
    if (s["const"] && out.empty()) out.insert("string");
    if (out.count("number")) out.insert("integer");
    return out;
  }

  static json to_json(const YAML::Node& n) {
    if (n.IsMap()) {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
    if (n.IsSequence()) {
      json a = json::array();
      for (const auto& v : n) a.push_back(to_json(v));
      return a;
    }
    if (n.IsNull()) return nullptr;
    const auto text = n.as<std::string>();
    if (n.Tag() != "!") {  // plain scalar: a number or boolean when it reads as one
      if (text == "true" || text == "false") return text == "true";
      try {
        std::size_t used = 0;
        auto i = std::stoll(text, &used);
        if (used == text.size()) return i;
      } catch (...) {
      }
    }
    return text;
  }

  YAML::Node spec_;
};

TEST_F(HostileInput, WrongJsonTypeForEveryDocumentedField) {
  const std::vector<std::pair<std::string, json>> samples = {
      {"string", "hostile"},       {"integer", 7},         {"number", 2.5}, {"boolean", true},
      {"array", json::array({1})}, {"object", {{"x", 1}}},
  };
  auto cases = OpenApiBodies().cases();
  ASSERT_GT(cases.size(), 100u) << "docs/openapi.yaml was not read as expected";
  std::size_t sent = 0;
  for (const auto& c : cases) {
    std::string path = c.path;
    for (const auto& [param, value] :
         std::vector<std::pair<std::string, std::string>>{{"{id}", "h"},
                                                          {"{key}", "wt"},
                                                          {"{name}", "item_by_id"},
                                                          {"{topic}", "keep"},
                                                          {"{consumer}", "none"}}) {
      if (auto p = path.find(param); p != std::string::npos) path.replace(p, param.size(), value);
    }
    for (const auto& [type, value] : samples) {
      if (c.allowed.count(type)) continue;
      json body = c.base;
      body[c.field] = value;
      auto r = call(c.method, path, body.dump());
      expect_client_error(
          r, c.method + " " + path + " " + c.field + " as " + type + ": " + body.dump());
      ++sent;
    }
  }
  EXPECT_GT(sent, 500u);
}

// ---------------------------------------------------------------------------------------
// Null bytes, traversal, odd ids

TEST_F(HostileInput, NullBytesInSqlArgsIdsAndNames) {
  // PostgreSQL text cannot hold NUL, and libpq would cut the statement at the first one:
  // "SELECT 1\0; DROP TABLE items" must not run as "SELECT 1" (or at all).
  for (const std::string& path :
       {std::string("/api/v1/clusters/h/db/query"), std::string("/api/v1/clusters/h/db/execute")}) {
    auto r = post(path, {{"query", std::string("SELECT 1\0; DROP TABLE items", 27)}});
    expect_bad_request(r, path + " NUL in SQL");
    r = post(path, {{"query", "SELECT $1::text"}, {"args", {std::string("a\0b", 3)}}});
    expect_bad_request(r, path + " NUL in an argument");
  }
  auto tx = post("/api/v1/clusters/h/db/transaction",
                 {{"statements",
                   {{{"query", "UPDATE items SET name = 'x'"}},
                    {{"query", std::string("INSERT INTO items VALUES (3, $1)")},
                     {"args", {std::string("three\0", 6)}}}}}});
  expect_bad_request(tx, "NUL in a transaction argument");
  auto named =
      post("/api/v1/clusters/h/db/statements/item_by_id", {{"args", {std::string("1\0", 2)}}});
  expect_bad_request(named, "NUL in a named statement argument");

  // Ids and names in paths and bodies.
  for (const std::string target :
       {"/api/v1/clusters/h%00", "/api/v1/clusters/h%00/cache/get",
        "/api/v1/clusters/h/queue/topics/keep%00", "/api/v1/clusters/h/db/statements/item%00",
        "/api/v1/clusters/h/services/cache%00"}) {
    expect_client_error(call("GET", target), "GET " + target);
  }
  expect_client_error(post("/api/v1/clusters/h/queue/topics", {{"topic", std::string("t\0x", 3)}}),
                      "NUL in a topic");
  expect_client_error(post("/api/v1/clusters/h/queue/publish",
                           {{"topic", std::string("keep\0", 5)}, {"message", "x"}}),
                      "NUL in a publish topic");
  json cluster = {{"name", "n"},
                  {"cluster_id", std::string("ev\0il", 5)},
                  {"services", {{"c", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 1}}}}}};
  expect_bad_request(post("/api/v1/clusters", cluster), "NUL in a cluster id");
  cluster["cluster_id"] = "ok1";
  cluster["services"] = {{std::string("c\0d", 3), {{"type", "redis"}, {"host", "h"}, {"port", 1}}}};
  expect_client_error(post("/api/v1/clusters", cluster), "NUL in a service name");
  cluster["services"] = {
      {"c", {{"type", "redis"}, {"host", std::string("h\0st", 4)}, {"port", 1}}}};
  expect_client_error(post("/api/v1/clusters", cluster), "NUL in a host");
}

TEST_F(HostileInput, TraversalIdsNeverReachTheClustersDir) {
  const std::vector<std::string> ids = {"..",
                                        "%2e%2e",
                                        "..%2f..%2fetc",
                                        "%2E%2E%2F",
                                        "..%5c..%5cx",
                                        "%252e%252e%252f",
                                        "h%2f..",
                                        "%2fetc%2fpasswd",
                                        "h%2F%2E%2E%2Fh",
                                        "%c0%ae%c0%ae",
                                        "..%00"};
  for (const auto& id : ids) {
    const auto target = "/api/v1/clusters/" + id;
    expect_client_error(call("GET", target), "GET " + target);
    expect_client_error(call("DELETE", target), "DELETE " + target);
    expect_client_error(call("PUT", target, R"({"name":"x","services":{}})"), "PUT " + target);
    expect_client_error(call("GET", target + "/services/cache"), "GET service " + target);
  }
  // Unencoded dot segments are not normalised into another cluster.
  expect_client_error(call("DELETE", "/api/v1/clusters/x/../h"), "DELETE x/../h");
  expect_client_error(call("GET", "/api/v1/clusters/./h"), "GET ./h");
  for (const std::string& id :
       std::vector<std::string>{"../evil", "..", "a/b", "/etc/x", "..\\x", ".hidden", "a%2fb",
                                "evil\n", std::string(300, 'a')}) {
    json cluster = {{"name", "n"},
                    {"cluster_id", id},
                    {"services", {{"c", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 1}}}}}};
    expect_bad_request(post("/api/v1/clusters", cluster), "create id " + id);
    expect_client_error(post("/api/v1/clusters/validate", cluster), "validate id " + id);
  }
  // A name that would generate an id from "../..".
  json by_name = {{"name", "../../etc"},
                  {"services", {{"c", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 1}}}}}};
  auto r = post("/api/v1/clusters", by_name);
  if (r.status == 201) {
    // A generated id must be a safe slug; remove it again so the state check holds.
    auto id = r.json().value("id", "");
    EXPECT_EQ(id.find('/'), std::string::npos);
    EXPECT_EQ(id.find(".."), std::string::npos);
    EXPECT_EQ(call("DELETE", "/api/v1/clusters/" + id).status, 200);
  } else {
    expect_client_error(r, "name ../../etc");
  }
  // Statement names, topics and consumer ids with traversal.
  expect_client_error(post("/api/v1/clusters/h/db/statements/..%2f..%2fx", json::object()),
                      "statement ..");
  expect_client_error(call("DELETE", "/api/v1/clusters/h/queue/topics/..%2fkeep"), "topic ..");
  expect_client_error(call("DELETE", "/api/v1/clusters/h/queue/consumers/..%2f.."), "consumer ..");
}

TEST_F(HostileInput, InvalidUtf8InPathsAndKeys) {
  for (const std::string target :
       {"/api/v1/clusters/%ff%fe", "/api/v1/clusters/h/services/%c3%28",
        "/api/v1/clusters/h/queue/topics/%ff", "/api/v1/clusters/h/db/statements/%e2%82",
        "/api/v1/clusters/h/services/%ff/activity", "/api/v1/%ff", "/%ff%ff"}) {
    auto r = call("GET", target);
    expect_client_error(r, "GET " + target);
  }
  // Redis keys are binary-safe: a non-UTF-8 key is a valid key that does not exist here.
  auto r = call("GET", "/api/v1/clusters/h/cache/keys/%ff%fe");
  expect_client_error(r, "GET key %ff%fe");
  EXPECT_EQ(r.status, 404);
  r = call("DELETE", "/api/v1/clusters/h/cache/keys/%ff%fe");
  EXPECT_LT(r.status, 500) << r.body;
  EXPECT_TRUE(json::accept(r.body)) << r.body;
  // Bad percent escapes.
  for (const std::string target : {"/api/v1/clusters/%zz", "/api/v1/clusters/h/cache/keys/%",
                                   "/api/v1/clusters/h/cache/keys/%4"}) {
    expect_client_error(call("GET", target), "GET " + target);
  }
}

// ---------------------------------------------------------------------------------------
// Per-request caps

TEST_F(HostileInput, PerRequestCapsNameTheLimit) {
  // Each case stays under this daemon's 1 MiB body limit, so the per-request cap answers.
  auto expect_cap = [](const HttpResult& r, const std::string& field, const std::string& what) {
    auto body = expect_bad_request(r, what);
    const auto message = body.value("error", "");
    EXPECT_NE(message.find(field), std::string::npos) << message;
    EXPECT_NE(message.find("more than"), std::string::npos) << message;
  };
  json keys = json::array();
  for (int i = 0; i < 10'001; ++i) keys.push_back("k");  // "k", = 4 bytes each: 40 KB
  expect_cap(post("/api/v1/clusters/h/cache/mget", {{"keys", keys}}), "keys", "mget 10001 keys");
  expect_cap(post("/api/v1/clusters/h/cache/delete", {{"keys", keys}}), "keys", "del 10001 keys");
  expect_cap(post("/api/v1/clusters/h/cache/exists", {{"keys", keys}}), "keys", "exists");
  json values = json::object();
  for (int i = 0; i < 10'001; ++i) values[std::to_string(i)] = 1;
  expect_cap(call("POST", "/api/v1/clusters/h/cache/mset", json{{"values", values}}.dump()),
             "values", "mset 10001 values");
  json args = json::array();
  for (int i = 0; i < 65'536; ++i) args.push_back(1);
  expect_cap(post("/api/v1/clusters/h/db/query", {{"query", "SELECT 1"}, {"args", args}}), "args",
             "65536 SQL arguments");

  json statements = json::array();
  for (int i = 0; i < 1'001; ++i) statements.push_back({{"query", "SELECT 1"}});
  expect_cap(post("/api/v1/clusters/h/db/transaction", {{"statements", statements}}), "statements",
             "1001 statements");

  json messages = json::array();
  for (int i = 0; i < 10'001; ++i) messages.push_back({{"value", ""}});
  expect_cap(post("/api/v1/clusters/h/queue/publish", {{"topic", "keep"}, {"messages", messages}}),
             "messages", "publish 10001 messages");

  json argv = json::array({"EXISTS"});
  for (int i = 0; i < 10'001; ++i) argv.push_back("k");
  expect_cap(post("/api/v1/clusters/h/cache/command", {{"args", argv}}), "args",
             "10002 command arguments");

  json commands = json::array();
  for (int i = 0; i < 1'001; ++i) commands.push_back(json::array({"GET", "k"}));
  expect_cap(post("/api/v1/clusters/h/cache/transaction", {{"commands", commands}}), "commands",
             "1001 cache commands");
}

}  // namespace
}  // namespace throome::testing
