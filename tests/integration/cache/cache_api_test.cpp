// The cache API end to end: the real daemon in front of a real redis-server; redis-cli is
// the independent peer that checks what actually landed in Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "support/eventually.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"
#include "throome/common/base64.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;

class CacheApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServer();
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    o.config_yaml = "server:\n  max_body_bytes: 4MiB\n";
    daemon_ = new DaemonProcess(o);
    create_cluster("c", redis_->port(), json::object());
    // A cluster without redis and one whose redis is down.
    json pg = {
        {"name", "no redis"},
        {"cluster_id", "nored"},
        {"services", {{"db", {{"type", "postgres"}, {"host", "127.0.0.1"}, {"port", 5432}}}}}};
    ASSERT_EQ(http_request(daemon_->port(), "POST", "/api/v1/clusters", pg.dump()).status, 201);
    create_cluster("dead", free_loopback_port(), json::object());
    create_cluster("keys-allowed", redis_->port(),
                   {{"allow_commands", {"KEYS"}}, {"deny_commands", {"ECHO"}}});
    await_connected("c");
    await_connected("keys-allowed");
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete redis_;
  }

  static void create_cluster(const std::string& id, std::uint16_t port, const json& options) {
    json svc = {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", port}};
    if (!options.empty()) svc["options"] = options;
    json body = {{"name", id},
                 {"cluster_id", id},
                 {"services", {{"cache", svc}}},
                 {"routing", {{"timeout_ms", 1000}}}};
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // Connections open in the background after create: await the first successful call.
  static void await_connected(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = cache(id, "exists", {{"key", "probe"}});
      if (r.status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "cluster " << id << " never reached its redis";
  }

  static HttpResult cache(const std::string& id, const std::string& op, const json& body) {
    return http_request(daemon_->port(), "POST", "/api/v1/clusters/" + id + "/cache/" + op,
                        body.dump());
  }
  static json ok(const std::string& op, const json& body) {
    auto r = cache("c", op, body);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static json error(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("code", ""), code) << r.body;
    EXPECT_EQ(body.value("status", 0), status);
    return body;
  }

  static RedisServer* redis_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
RedisServer* CacheApi::redis_ = nullptr;
TempDir* CacheApi::dir_ = nullptr;
DaemonProcess* CacheApi::daemon_ = nullptr;

TEST_F(CacheApi, SetGetDeleteAreCompatibleWithExistingClients) {
  auto set = ok("set", {{"key", "user:1"}, {"value", "alice"}, {"ttl", 100}});
  EXPECT_EQ(set["status"], "success");
  EXPECT_EQ(set["set"], true);
  EXPECT_EQ(redis_->cli({"GET", "user:1"}), "alice");
  const int ttl = std::stoi(redis_->cli({"TTL", "user:1"}));
  EXPECT_GT(ttl, 90);
  EXPECT_LE(ttl, 100);

  auto get = ok("get", {{"key", "user:1"}});
  EXPECT_EQ(get, (json{{"value", "alice"}, {"found", true}}));
  auto missing = ok("get", {{"key", "user:none"}});
  EXPECT_EQ(missing, (json{{"value", nullptr}, {"found", false}}));

  // `expiration` is accepted as an alias of ttl.
  ok("set", {{"key", "user:2"}, {"value", "bob"}, {"expiration", 50}});
  EXPECT_LE(std::stoi(redis_->cli({"TTL", "user:2"})), 50);
  EXPECT_GT(std::stoi(redis_->cli({"TTL", "user:2"})), 0);

  auto del = ok("delete", {{"key", "user:1"}});
  EXPECT_EQ(del["status"], "success");
  EXPECT_EQ(del["deleted"], 1);
  EXPECT_EQ(ok("delete", {{"keys", {"user:1", "user:2"}}})["deleted"], 1);
  EXPECT_EQ(redis_->cli({"EXISTS", "user:1", "user:2"}), "0");
}

TEST_F(CacheApi, NxXxTtlExpirePersist) {
  redis_->cli({"DEL", "nx"});
  EXPECT_EQ(ok("set", {{"key", "nx"}, {"value", "1"}, {"nx", true}})["set"], true);
  EXPECT_EQ(ok("set", {{"key", "nx"}, {"value", "2"}, {"nx", true}})["set"], false);
  EXPECT_EQ(redis_->cli({"GET", "nx"}), "1");
  EXPECT_EQ(ok("set", {{"key", "xx-missing"}, {"value", "2"}, {"xx", true}})["set"], false);
  EXPECT_EQ(ok("ttl", {{"key", "nx"}}),
            (json{{"ttl", -1}, {"exists", true}, {"persistent", true}}));
  EXPECT_EQ(ok("expire", {{"key", "nx"}, {"ttl", 30}})["updated"], true);
  EXPECT_GT(ok("ttl", {{"key", "nx"}})["ttl"].get<int>(), 0);
  EXPECT_EQ(ok("persist", {{"key", "nx"}})["updated"], true);
  EXPECT_EQ(redis_->cli({"TTL", "nx"}), "-1");
  EXPECT_EQ(ok("ttl", {{"key", "gone"}})["exists"], false);
}

TEST_F(CacheApi, BinaryValuesRoundTripThroughBase64) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const auto b64 = common::base64_encode(all);
  ok("set", {{"key", "bin"}, {"value", b64}, {"encoding", "base64"}});
  EXPECT_EQ(redis_->cli({"STRLEN", "bin"}), "256");
  auto got = ok("get", {{"key", "bin"}, {"encoding", "base64"}});
  EXPECT_EQ(got["value"], b64);
  EXPECT_EQ(got["encoding"], "base64");
  // Without asking, bytes that are not UTF-8 still come back intact, marked as base64.
  auto implicit = ok("get", {{"key", "bin"}});
  EXPECT_EQ(implicit["encoding"], "base64");
  EXPECT_EQ(common::base64_decode(implicit["value"].get<std::string>()).value(), all);
}

TEST_F(CacheApi, LargeEmptyAndUnicodeValues) {
  const std::string big(1 << 20, 'x');
  ok("set", {{"key", "big"}, {"value", big}});
  EXPECT_EQ(redis_->cli({"STRLEN", "big"}), std::to_string(big.size()));
  EXPECT_EQ(ok("get", {{"key", "big"}})["value"].get<std::string>().size(), big.size());

  ok("set", {{"key", "empty"}, {"value", ""}});
  EXPECT_EQ(ok("get", {{"key", "empty"}}), (json{{"value", ""}, {"found", true}}));

  const std::string key = "ключ:🔑";
  const std::string value = "значение ✓ 値";
  ok("set", {{"key", key}, {"value", value}});
  EXPECT_EQ(redis_->cli({"GET", key}), value);
  EXPECT_EQ(ok("get", {{"key", key}})["value"], value);
}

TEST_F(CacheApi, MultiKeyCountersAndExistence) {
  ok("mset", {{"values", {{"m:a", "1"}, {"m:b", "2"}}}});
  EXPECT_EQ(redis_->cli({"MGET", "m:a", "m:b"}), "1\n2");
  auto mget = ok("mget", {{"keys", {"m:a", "m:none", "m:b"}}});
  EXPECT_EQ(mget["values"], (json{"1", nullptr, "2"}));
  EXPECT_EQ(mget["found"], (json{true, false, true}));

  redis_->cli({"DEL", "n"});
  EXPECT_EQ(ok("incr", {{"key", "n"}})["value"], 1);
  EXPECT_EQ(ok("incr", {{"key", "n"}, {"by", 41}})["value"], 42);
  EXPECT_EQ(ok("incr", {{"key", "n"}, {"by", -2}})["value"], 40);
  EXPECT_DOUBLE_EQ(ok("incr", {{"key", "n"}, {"by", 0.5}})["value"].get<double>(), 40.5);
  EXPECT_EQ(redis_->cli({"GET", "n"}), "40.5");

  EXPECT_EQ(ok("exists", {{"key", "m:a"}}), (json{{"count", 1}, {"exists", true}}));
  EXPECT_EQ(ok("exists", {{"keys", {"m:a", "m:b", "m:c"}}})["count"], 2);
}

TEST_F(CacheApi, HashesListsSetsAndSortedSets) {
  redis_->cli({"DEL", "h", "l", "s", "z"});
  EXPECT_EQ(ok("hset", {{"key", "h"}, {"fields", {{"a", "1"}, {"b", "2"}}}})["added"], 2);
  EXPECT_EQ(ok("hset", {{"key", "h"}, {"field", "c"}, {"value", "3"}})["added"], 1);
  EXPECT_EQ(ok("hget", {{"key", "h"}, {"field", "b"}}), (json{{"value", "2"}, {"found", true}}));
  EXPECT_EQ(ok("hgetall", {{"key", "h"}})["fields"], (json{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(ok("hdel", {{"key", "h"}, {"fields", {"a", "zz"}}})["deleted"], 1);
  EXPECT_EQ(redis_->cli({"HLEN", "h"}), "2");

  EXPECT_EQ(ok("rpush", {{"key", "l"}, {"values", {"b", "c"}}})["length"], 2);
  EXPECT_EQ(ok("lpush", {{"key", "l"}, {"value", "a"}})["length"], 3);
  EXPECT_EQ(ok("lrange", {{"key", "l"}})["values"], (json{"a", "b", "c"}));
  EXPECT_EQ(ok("lpop", {{"key", "l"}}), (json{{"value", "a"}, {"found", true}}));
  EXPECT_EQ(ok("rpop", {{"key", "l"}, {"count", 5}})["values"], (json{"c", "b"}));
  EXPECT_EQ(ok("lpop", {{"key", "l"}}), (json{{"value", nullptr}, {"found", false}}));

  EXPECT_EQ(ok("sadd", {{"key", "s"}, {"members", {"x", "y", "x"}}})["added"], 2);
  EXPECT_EQ(ok("sismember", {{"key", "s"}, {"member", "y"}})["member"], true);
  EXPECT_EQ(ok("sismember", {{"key", "s"}, {"member", "q"}})["member"], false);
  auto members = ok("smembers", {{"key", "s"}})["members"].get<std::vector<std::string>>();
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(ok("srem", {{"key", "s"}, {"member", "x"}})["removed"], 1);

  EXPECT_EQ(
      ok("zadd", {{"key", "z"},
                  {"members",
                   {{{"member", "b"}, {"score", 2}}, {{"member", "a"}, {"score", 1.5}}}}})["added"],
      2);
  EXPECT_EQ(ok("zadd", {{"key", "z"}, {"member", "c"}, {"score", -1}})["added"], 1);
  EXPECT_EQ(ok("zrange", {{"key", "z"}})["members"], (json{{{"member", "c"}, {"score", -1.0}},
                                                           {{"member", "a"}, {"score", 1.5}},
                                                           {{"member", "b"}, {"score", 2.0}}}));
  EXPECT_EQ(ok("zrange", {{"key", "z"}, {"with_scores", false}, {"reverse", true}})["members"],
            (json{"b", "a", "c"}));
  EXPECT_EQ(ok("zrem", {{"key", "z"}, {"members", {"a", "c"}}})["removed"], 2);
  EXPECT_EQ(redis_->cli({"ZCARD", "z"}), "1");
}

TEST_F(CacheApi, TransactionRunsAtomicallyAndReportsQueueingErrors) {
  redis_->cli({"DEL", "tx"});
  auto tx = ok("transaction", {{"commands", {{"SET", "tx", "1"}, {"INCR", "tx"}, {"GET", "tx"}}},
                               {"watch", {"tx"}}});
  EXPECT_EQ(tx, (json{{"aborted", false}, {"results", {"OK", 2, "2"}}}));

  // A runtime error inside EXEC is that command's result; the others still ran.
  auto partial = ok("transaction", {{"commands", {{"SET", "tx2", "a"}, {"INCR", "tx2"}}}});
  EXPECT_EQ(partial["results"][0], "OK");
  EXPECT_TRUE(partial["results"][1].contains("error"));

  // A command rejected while queueing aborts the whole group: nothing ran.
  redis_->cli({"DEL", "tx3"});
  auto bad = cache("c", "transaction", {{"commands", {{"SET", "tx3", "1"}, {"NOSUCHCMD"}}}});
  auto body = error(bad, 400, "backend_error");
  EXPECT_NE(body["error"].get<std::string>().find("EXECABORT"), std::string::npos);
  EXPECT_EQ(body["details"][0]["index"], 1);
  EXPECT_EQ(redis_->cli({"EXISTS", "tx3"}), "0");
  error(cache("c", "transaction", {{"commands", {{"FLUSHALL"}}}}), 403, "forbidden");
  error(cache("c", "transaction", {{"commands", {{"SUBSCRIBE", "x"}}}}), 400, "bad_request");
}

TEST_F(CacheApi, GenericCommandHonoursTheDenyList) {
  redis_->cli({"DEL", "gz"});
  auto r = ok("command", {{"args", {"ZADD", "gz", "1", "m"}}});
  EXPECT_EQ(r["result"], 1);
  EXPECT_EQ(ok("command", {{"args", {"zscore", "gz", "m"}}})["result"], "1");
  error(cache("c", "command", {{"args", {"FLUSHALL"}}}), 403, "forbidden");
  error(cache("c", "command", {{"args", {"keys", "*"}}}), 403, "forbidden");
  error(cache("c", "command", {{"args", {"BLPOP", "q", "0"}}}), 400, "bad_request");
  error(cache("c", "command", {{"args", {"SELECT", "2"}}}), 400, "bad_request");
  EXPECT_NE(redis_->cli({"DBSIZE"}), "0") << "FLUSHALL must not have run";
  // Per cluster: options.allow_commands lifts a default denial, deny_commands adds one.
  auto keys = cache("keys-allowed", "command", {{"args", {"KEYS", "gz"}}});
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(keys.json()["result"], (json{"gz"}));
  error(cache("keys-allowed", "command", {{"args", {"ECHO", "hi"}}}), 403, "forbidden");
}

TEST_F(CacheApi, RestfulKeysServeRawBytes) {
  const std::string raw = std::string("raw\0bytes\xff", 10);
  auto put =
      http_request(daemon_->port(), "PUT", "/api/v1/clusters/c/cache/keys/files/a%2Fb?ttl=60", raw,
                   {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(redis_->cli({"STRLEN", "files/a/b"}), "10");
  EXPECT_GT(std::stoi(redis_->cli({"TTL", "files/a/b"})), 0);
  auto get = http_request(daemon_->port(), "GET", "/api/v1/clusters/c/cache/keys/files/a%2Fb");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.header("content-type"), "application/octet-stream");
  EXPECT_EQ(get.body, raw);
  auto as_json = http_request(daemon_->port(), "GET", "/api/v1/clusters/c/cache/keys/files/a%2Fb",
                              "", {{"Accept", "application/json"}});
  EXPECT_EQ(as_json.json()["encoding"], "base64");
  error(http_request(daemon_->port(), "GET", "/api/v1/clusters/c/cache/keys/nope"), 404,
        "not_found");
  error(http_request(daemon_->port(), "PUT", "/api/v1/clusters/c/cache/keys/k?ttl=-1", "v"), 400,
        "bad_request");
  auto del = http_request(daemon_->port(), "DELETE", "/api/v1/clusters/c/cache/keys/files/a%2Fb");
  EXPECT_EQ(del.json()["deleted"], 1);
}

TEST_F(CacheApi, BadInputGetsClearErrorsAndChangesNothing) {
  redis_->cli({"SET", "guard", "unchanged"});
  redis_->cli({"DEL", "wt"});
  redis_->cli({"LPUSH", "wt", "x"});
  struct Case {
    std::string id, op;
    std::string body;
    int status;
    std::string code, contains;
  };
  const std::vector<Case> cases{
      {"c", "set", R"({"key":"guard","value":"x","ttl":"soon"})", 400, "bad_request",
       "field \"ttl\" must be an integer"},
      {"c", "set", R"({"key":"guard"})", 400, "bad_request", "field \"value\" is required"},
      {"c", "set", R"({"key":5,"value":"x"})", 400, "bad_request",
       "field \"key\" must be a string"},
      {"c", "set", R"({"key":"guard","value":"x","ttl":-5})", 400, "bad_request", "between 0"},
      {"c", "set", R"({"key":"guard","value":"x","nx":true,"xx":true})", 400, "bad_request",
       "exclude"},
      {"c", "set", R"({"key":"guard","value":"x","colour":"red"})", 400, "bad_request",
       "\"colour\" is not a known field"},
      {"c", "set", R"({"key":"guard","value":"!!","encoding":"base64"})", 400, "bad_request",
       "not valid base64"},
      {"c", "set", R"({"key":"guard","value":"x","encoding":"latin1"})", 400, "bad_request",
       "encoding"},
      {"c", "get", R"({})", 400, "bad_request", "field \"key\" is required"},
      {"c", "get", R"({"key":)", 400, "invalid_json", "malformed JSON"},
      {"c", "get", R"(["key"])", 400, "bad_request", "JSON object"},
      {"c", "get", R"({"key":"wt"})", 400, "backend_error", "WRONGTYPE"},
      {"c", "mget", R"({"keys":"guard"})", 400, "bad_request", "array of strings"},
      {"c", "incr", R"({"key":"guard","by":"1"})", 400, "bad_request", "must be a number"},
      {"c", "incr", R"({"key":"guard"})", 400, "backend_error", "not an integer"},
      {"c", "zadd", R"({"key":"z","member":"a","score":"x"})", 400, "bad_request", "score"},
      {"c", "command", R"({"args":[]})", 400, "bad_request", "non-empty"},
      {"c", "get", R"({"key":"guard","service":"nope"})", 404, "not_found", "service \"nope\""},
      {"nored", "get", R"({"key":"guard"})", 404, "not_found", "has no redis service"},
      {"nored", "get", R"({"key":"guard","service":"db"})", 400, "bad_request", "not redis"},
      {"missing", "get", R"({"key":"guard"})", 404, "not_found", "cluster \"missing\" not found"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.id + "/" + tc.op + " " + tc.body);
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters/" + tc.id + "/cache/" + tc.op,
                          tc.body);
    auto body = error(r, tc.status, tc.code);
    const std::string text = body.value("error", "") + " " + body["details"].dump();
    EXPECT_NE(text.find(tc.contains), std::string::npos) << text;
  }
  EXPECT_EQ(redis_->cli({"GET", "guard"}), "unchanged");
}

TEST_F(CacheApi, BackendDownIs503WithinTheTimeoutNotAHang) {
  const auto start = std::chrono::steady_clock::now();
  auto r = cache("dead", "get", {{"key", "k"}});
  auto body = error(r, 503, "backend_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

// A request's own timeout_ms bounds it below the cluster's routing.timeout_ms: Redis (a
// server of this test's own, so the pause touches no other cluster) is held by CLIENT PAUSE,
// sent by redis-cli, for longer than the request's 150 ms but well within the cluster's 10 s,
// so only timeout_ms can make the answer a 504.
TEST_F(CacheApi, RequestTimeoutMsIsA504AndTheLateReplyReachesNobody) {
  RedisServer own;
  json body = {
      {"name", "patient"},
      {"cluster_id", "patient"},
      {"services", {{"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", own.port()}}}}},
      {"routing", {{"timeout_ms", 10000}, {"retry_attempts", 0}}}};
  ASSERT_EQ(http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump()).status, 201);
  await_connected("patient");
  ASSERT_EQ(cache("patient", "set", {{"key", "t:held"}, {"value", "before"}}).status, 200);

  ASSERT_EQ(own.cli({"CLIENT", "PAUSE", "1500", "ALL"}), "OK");
  auto get = cache("patient", "get", {{"key", "t:held"}, {"timeout_ms", 150}});
  auto err = error(get, 504, "timeout");
  EXPECT_NE(err.value("error", "").find("timeout_ms (150 ms)"), std::string::npos) << get.body;
  auto set =
      cache("patient", "set", {{"key", "t:late"}, {"value", "written"}, {"timeout_ms", 150}});
  error(set, 504, "timeout");
  auto rest = http_request(daemon_->port(), "GET",
                           "/api/v1/clusters/patient/cache/keys/t:held?timeout_ms=150");
  error(rest, 504, "timeout");

  // Without timeout_ms the same request waits for Redis (the pause ends) and succeeds, and the
  // replies the timed-out requests left behind reach nobody: every answer is its own.
  auto waited = cache("patient", "get", {{"key", "t:held"}});
  ASSERT_EQ(waited.status, 200) << waited.body;
  EXPECT_EQ(json::parse(waited.body)["value"], "before");
  for (int i = 0; i < 20; ++i) {
    const std::string key = "t:after:" + std::to_string(i);
    ASSERT_EQ(cache("patient", "set", {{"key", key}, {"value", key}}).status, 200);
    auto r = cache("patient", "get", {{"key", key}, {"timeout_ms", 5000}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["value"], key);
  }
  // A 504 does not undo a write Redis performed after the deadline.
  EXPECT_EQ(own.cli({"GET", "t:late"}), "written");

  // timeout_ms is validated like every other field.
  error(cache("patient", "get", {{"key", "k"}, {"timeout_ms", 0}}), 400, "bad_request");
  error(cache("patient", "get", {{"key", "k"}, {"timeout_ms", "fast"}}), 400, "bad_request");
  error(http_request(daemon_->port(), "GET", "/api/v1/clusters/patient/cache/keys/k?timeout_ms=-1"),
        400, "bad_request");
  EXPECT_EQ(http_request(daemon_->port(), "DELETE", "/api/v1/clusters/patient").status, 200);
}

// Every reply is checked against what that client wrote: any cross-wiring of pipelined
// replies between concurrent HTTP requests would show as a mismatch.
TEST_F(CacheApi, ConcurrentClientsGetTheirOwnReplies) {
  constexpr int kClients = 64;
  constexpr int kOps = 2'000;
  std::atomic<int> mismatches{0}, failures{0};
  std::mutex mu;
  std::string first_problem;
  // Counters start from zero for this test.
  for (int w = 0; w < kClients; ++w) {
    redis_->cli({"DEL", "ctr:" + std::to_string(w), "hs:" + std::to_string(w)});
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < kClients; ++w) {
    threads.emplace_back([&, w] {
      try {
        HttpConnection conn(daemon_->port());
        for (int i = 0; i < kOps; ++i) {
          const std::string key = "load:" + std::to_string(w) + ":" + std::to_string(i % 8);
          const std::string value = std::to_string(w) + "-" + std::to_string(i);
          HttpResult r;
          std::string expect;
          switch (i % 4) {
            case 0:
            case 1:
              r = conn.request("POST", "/api/v1/clusters/c/cache/set",
                               json{{"key", key}, {"value", value}}.dump());
              if (r.status == 200) {
                r = conn.request("POST", "/api/v1/clusters/c/cache/get", json{{"key", key}}.dump());
                expect = json{{"value", value}, {"found", true}}.dump();
              }
              break;
            case 2:
              r = conn.request("POST", "/api/v1/clusters/c/cache/incr",
                               json{{"key", "ctr:" + std::to_string(w)}}.dump());
              expect = json{{"value", i / 4 + 1}}.dump();
              break;
            default:
              r = conn.request("POST", "/api/v1/clusters/c/cache/hset",
                               json{{"key", "hs:" + std::to_string(w)},
                                    {"field", std::to_string(i)},
                                    {"value", value}}
                                   .dump());
              expect = json{{"added", 1}}.dump();
          }
          if (r.status != 200) {
            ++failures;
          } else if (r.body != expect) {
            if (++mismatches == 1) {
              std::lock_guard lock(mu);
              first_problem = "expected " + expect + " got " + r.body;
            }
          }
        }
      } catch (const std::exception& e) {
        ++failures;
        std::lock_guard lock(mu);
        first_problem = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << first_problem;
  EXPECT_EQ(mismatches.load(), 0) << first_problem;
}

std::size_t fd_count(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// The daemon's TCP sockets whose peer is 127.0.0.1:`port` (its Redis connections), from
// /proc: the socket inodes of its descriptors matched against the kernel's TCP table.
std::size_t sockets_to(pid_t pid, std::uint16_t port) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes;
  for (const auto& e : std::filesystem::directory_iterator(proc + "/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) {
      inodes.insert(target.substr(8, target.size() - 9));
    }
  }
  std::ifstream tcp(proc + "/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, ":%04X", static_cast<unsigned>(port));
  std::size_t n = 0;
  while (std::getline(tcp, line)) {
    std::istringstream in(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    in >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
        inode;
    if (remote.size() > 5 && remote.substr(remote.size() - 5) == wanted && inodes.count(inode)) {
      ++n;
    }
  }
  return n;
}

TEST_F(CacheApi, RedisRestartFailsFastThenRecoversWithoutLeaks) {
  ok("set", {{"key", "restart"}, {"value", "before"}});
  const auto fds_before = fd_count(daemon_->pid());
  const auto redis_before = sockets_to(daemon_->pid(), redis_->port());
  ASSERT_GT(redis_before, 0u);
  redis_->stop();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto r = cache("c", "get", {{"key", "restart"}});
    EXPECT_EQ(r.status, 503) << r.body;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "fail fast";
  redis_->start();
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline && status != 200) {
    status = cache("c", "set", {{"key", "restart"}, {"value", "after"}}).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(status, 200);
  EXPECT_EQ(redis_->cli({"GET", "restart"}), "after");
  await_connected("keys-allowed");
  EXPECT_TRUE(daemon_->running());
  // Every Redis connection was replaced, none kept (a socket to the old server that was never
  // closed would stay in the table); other descriptors still closing (the last HTTP
  // exchanges) settle within moments, a leaked one never does.
  EXPECT_TRUE(eventually([&] { return sockets_to(daemon_->pid(), redis_->port()) == redis_before; },
                         std::chrono::seconds(5)))
      << sockets_to(daemon_->pid(), redis_->port()) << " redis sockets, " << redis_before
      << " before the restart";
  EXPECT_TRUE(
      eventually([&] { return fd_count(daemon_->pid()) <= fds_before; }, std::chrono::seconds(5)))
      << fd_count(daemon_->pid()) << " descriptors, " << fds_before << " before the restart";
}

}  // namespace
}  // namespace throome::testing
