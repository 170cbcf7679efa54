#include "client/api_codec.hpp"

#include <gtest/gtest.h>

#include "throome/common/base64.hpp"

namespace throome::client::detail {
namespace {

using nlohmann::json;
using Kind = ClientError::Kind;

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(ApiCodecTest, CacheCallsSendValuesAsBase64) {
  auto set = cache_set("demo", "k", all_bytes(), SetOptions{std::chrono::seconds(30), true, false});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->method, "POST");
  EXPECT_EQ(set->path, "/api/v1/clusters/demo/cache/set");
  auto body = json::parse(set->body);
  EXPECT_EQ(body["encoding"], "base64");
  EXPECT_EQ(common::base64_decode(body["value"].get<std::string>()), all_bytes());
  EXPECT_EQ(body["ttl"], 30);
  EXPECT_EQ(body["nx"], true);
  EXPECT_FALSE(body.contains("xx"));

  auto get = cache_get("a/b", "k");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->path, "/api/v1/clusters/a%2Fb/cache/get");
  EXPECT_EQ(json::parse(get->body)["encoding"], "base64");
}

TEST(ApiCodecTest, ParsesCacheAnswers) {
  auto found = parse_cache_get(
      {{"value", common::base64_encode(all_bytes())}, {"found", true}, {"encoding", "base64"}});
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, all_bytes());
  auto missing = parse_cache_get({{"value", nullptr}, {"found", false}});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  auto broken = parse_cache_get({{"found", true}});
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind(), Kind::protocol);
  auto not_b64 = parse_cache_get({{"value", "%%%"}});
  ASSERT_FALSE(not_b64);
  EXPECT_EQ(not_b64.error().kind(), Kind::protocol);
  EXPECT_EQ(*parse_cache_del({{"status", "success"}, {"deleted", 2}}), 2);
  EXPECT_EQ(*parse_cache_set({{"status", "success"}, {"set", false}}), false);
  EXPECT_FALSE(parse_cache_ttl({{"ttl", -2}, {"exists", false}})->has_value());
  EXPECT_EQ(parse_cache_ttl({{"ttl", -1}})->value(), std::chrono::seconds(-1));
}

TEST(ApiCodecTest, BadInputIsAUsageErrorBeforeAnyRequest) {
  const std::string latin1 = "caf\xe9";
  auto key = cache_get("demo", latin1);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().kind(), Kind::usage);
  EXPECT_NE(key.error().message().find("UTF-8"), std::string::npos);
  auto no_cluster = cache_get("", "k");
  ASSERT_FALSE(no_cluster);
  EXPECT_EQ(no_cluster.error().kind(), Kind::usage);
  EXPECT_NE(no_cluster.error().message().find("no cluster"), std::string::npos);
  EXPECT_FALSE(cache_set("demo", "k", "v", SetOptions{std::chrono::seconds(0), true, true}));
  EXPECT_FALSE(cache_del("demo", {}));
  EXPECT_FALSE(db_query("demo", "  \n", json::array()));
  EXPECT_FALSE(db_query("demo", "SELECT 1", json::object()));
  EXPECT_FALSE(db_execute("demo", "SELECT $1", json::array({latin1})));
  EXPECT_FALSE(queue_publish("demo", "", Message{}));
  ReadOptions too_many;
  too_many.max_records = 10'001;
  EXPECT_FALSE(queue_read("demo", "t", too_many));
}

TEST(ApiCodecTest, PublishSendsTextAsTextAndBinaryAsBase64) {
  Message m;
  m.value = "h\xc3\xa9llo";
  m.key = std::string("\x00\xff", 2);
  m.partition = 3;
  m.headers = {{"trace", "abc"}, {"nil", std::nullopt}};
  auto call = queue_publish("demo", "orders", m);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->path, "/api/v1/clusters/demo/queue/publish");
  auto body = json::parse(call->body);
  EXPECT_EQ(body["topic"], "orders");
  EXPECT_EQ(body["message"], "h\xc3\xa9llo");
  EXPECT_EQ(body["key"], json({{"base64", "AP8="}}));
  EXPECT_EQ(body["partition"], 3);
  EXPECT_EQ(body["headers"][0], json({{"name", "trace"}, {"value", "abc"}}));
  EXPECT_TRUE(body["headers"][1]["value"].is_null());
  auto result = parse_queue_publish(
      {{"status", "success"}, {"topic", "orders"}, {"partition", 3}, {"offset", 41}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->partition, 3);
  EXPECT_EQ(result->offset, 41);
  EXPECT_FALSE(result->timestamp_ms);
}

TEST(ApiCodecTest, ReadsBuildCursorPathsAndDecodeRecords) {
  ReadOptions o;
  o.from = StartFrom::latest;
  o.max_records = 5;
  o.wait = std::chrono::milliseconds(250);
  auto first = queue_read("demo", "orders", o);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->method, "GET");
  EXPECT_EQ(first->path,
            "/api/v1/clusters/demo/queue/topics/orders/records?encoding=base64&max=5"
            "&timeout_ms=250&from=latest");
  o.cursor = "ab+/=";
  auto next = queue_read("demo", "orders", o);
  ASSERT_TRUE(next);
  EXPECT_NE(next->path.find("&cursor=ab%2B%2F%3D"), std::string::npos) << next->path;
  EXPECT_EQ(next->path.find("from="), std::string::npos);

  json answer = {{"records",
                  {{{"topic", "orders"},
                    {"partition", 1},
                    {"offset", 7},
                    {"key", nullptr},
                    {"value", {{"base64", common::base64_encode(all_bytes())}}},
                    {"headers", {{{"name", "h"}, {"value", {{"base64", "AP8="}}}}}},
                    {"timestamp", 1700000000000}}}},
                 {"next_cursor", "c2"}};
  auto read = parse_queue_read(answer);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->next_cursor, "c2");
  ASSERT_EQ(read->records.size(), 1u);
  const auto& r = read->records[0];
  EXPECT_EQ(r.partition, 1);
  EXPECT_EQ(r.offset, 7);
  EXPECT_FALSE(r.key);
  EXPECT_EQ(r.value, all_bytes());
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].value, std::string("\x00\xff", 2));
  EXPECT_EQ(r.timestamp_ms, 1700000000000);
  EXPECT_FALSE(parse_queue_read({{"records", {1}}}));
}

TEST(ApiCodecTest, ParsesDbAnswers) {
  json rows = {{{"id", 1}, {"name", "a"}}};
  auto q = parse_db_query({{"columns", {{{"name", "id"}, {"type", "int4"}}}},
                           {"rows", rows},
                           {"row_count", 1},
                           {"truncated", false}});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->rows, rows);
  EXPECT_EQ(q->row_count, 1u);
  EXPECT_EQ(q->columns[0]["type"], "int4");
  auto e = parse_db_execute({{"command", "INSERT"}, {"rows_affected", 3}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->command, "INSERT");
  EXPECT_EQ(e->rows_affected, 3);
  EXPECT_FALSE(parse_db_query({{"rows_affected", 3}}));
}

TEST(ApiCodecTest, Utf8Check) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("plain \xe2\x9c\x93 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("\xe2\x9c"));      // truncated
  EXPECT_FALSE(is_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_utf8(std::string("\xff")));
  EXPECT_EQ(bytes_to_wire("ok"), json("ok"));
  EXPECT_EQ(bytes_from_wire(json::array({0, 255})), std::string("\x00\xff", 2));
  EXPECT_FALSE(bytes_from_wire(json::array({256})));
}

}  // namespace
}  // namespace throome::client::detail
