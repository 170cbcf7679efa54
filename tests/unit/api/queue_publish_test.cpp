// The publish body parser: the fast path must read every body it accepts exactly as the
// general JSON parser does, and leave everything else (all errors included) to it.
#include "throome/api/queue_publish.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

using nlohmann::json;

void expect_same(const PublishBody& a, const PublishBody& b, const std::string& body) {
  EXPECT_EQ(a.topic, b.topic) << body;
  EXPECT_EQ(a.service, b.service) << body;
  EXPECT_EQ(a.batch, b.batch) << body;
  ASSERT_EQ(a.messages.size(), b.messages.size()) << body;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    const auto x = a.messages.message(i);
    const auto y = b.messages.message(i);
    EXPECT_EQ(x.topic, y.topic) << body;
    EXPECT_EQ(x.key, y.key) << body;
    EXPECT_EQ(x.value, y.value) << body;
    EXPECT_EQ(x.headers, y.headers) << body;
    EXPECT_EQ(x.partition, y.partition) << body;
  }
}

// Bodies the fast path takes.
const std::vector<std::string> kFast = {
    R"({"topic":"t","message":"hello"})",
    R"({ "topic" : "orders.v1" , "message" : "h\u00e9llo" })",  // \u: general path, same result
    R"({"topic":"t","message":"héllo ✓","key":"k"})",
    R"({"topic":"t","value":"v","partition":3})",
    R"({"topic":"t","message":null})",
    R"({"topic":"t","message":"","key":""})",
    R"({"topic":"t","message":[104,105,0,255],"key":[107]})",
    R"({"topic":"t","message":[]})",
    R"({"topic":"t","message":{"base64":"AAEC/w=="}})",
    R"({"topic":"t","message":"a\"b\\c\/d\n\t\r\b\f"})",
    R"({"topic":"t","message":"x","headers":{"b":"2","a":[1],"n":null}})",
    R"({"topic":"t","message":"x","headers":[{"name":"z","value":"1"},{"name":"a"},{"name":"z","value":null}]})",
    R"({"topic":"t","message":"x","key":null,"headers":null,"partition":null,"service":"events"})",
    R"({"service":"events","messages":[{"value":"a"},{"message":"b","key":"k","partition":0}],"topic":"t"})",
    R"({"topic":"t","messages":[{"value":null,"key":null,"headers":{"h":"v"},"partition":2147483647}]})",
    "{\n\t\"topic\": \"t\",\r\n \"messages\": [ { \"value\" : [ 1 , 2 ] } ]\n}\n",
};

TEST(QueuePublishParser, FastPathReadsWhatTheGeneralParserReads) {
  for (const auto& body : kFast) {
    auto slow = parse_publish_body(body, /*fast=*/false);
    ASSERT_TRUE(slow) << body << ": " << slow.error().message();
    auto fast = parse_publish_body(body, /*fast=*/true);
    ASSERT_TRUE(fast) << body;
    expect_same(*fast, *slow, body);
  }
  // And it really is the fast path that read them (except the \u escape).
  std::size_t taken = 0;
  for (const auto& body : kFast) taken += parse_publish_fast(body).has_value() ? 1 : 0;
  EXPECT_EQ(taken, kFast.size() - 1);
}

TEST(QueuePublishParser, BatchesOfAHundred) {
  json b = {{"topic", "bench"}};
  for (int i = 0; i < 100; ++i) {
    b["messages"].push_back({{"value", std::string(100, 'v')}, {"key", std::to_string(i)}});
  }
  auto fast = parse_publish_fast(b.dump());
  ASSERT_TRUE(fast.has_value());
  auto slow = parse_publish_body(b.dump(), false);
  ASSERT_TRUE(slow);
  expect_same(*fast, *slow, "batch");
  EXPECT_EQ(fast->messages.size(), 100u);
}

// The fast path keeps values and keys without escapes as ranges of the body it owns, and
// decodes everything else into the batch's arena: byte for byte what the general path reads.
TEST(QueuePublishParser, PlainStringsAreViewsOfTheBodyTheRestIsDecodedIntoTheArena) {
  std::string raw;
  for (int i = 0; i < 256; ++i) raw.push_back(static_cast<char>(i));
  json items = json::array();
  for (int i = 0; i < 100; ++i) {
    json m;
    switch (i % 5) {
      case 0:
        m = {{"value", "plain " + std::to_string(i) + " ✓"}, {"key", "k" + std::to_string(i)}};
        break;
      case 1:  // escapes: decoded into the arena
        m = {{"value", "q\"u\\o/t\n\t" + std::to_string(i)}, {"key", "line\nbreak"}};
        break;
      case 2:
        m = {{"value", {{"base64", common::base64_encode(raw)}}}, {"partition", i % 4}};
        break;
      case 3:
        m = {{"value", json::array({0, 255, i, 10})}, {"key", {{"base64", "AP8="}}}};
        break;
      default:
        m = {{"value", nullptr}, {"key", ""}};
    }
    items.push_back(m);
  }
  const std::string body = json{{"topic", "mixed"}, {"messages", items}}.dump();
  auto fast = parse_publish_fast(body);
  ASSERT_TRUE(fast.has_value());
  auto slow = parse_publish_body(body, false);
  ASSERT_TRUE(slow) << slow.error().message();
  expect_same(*fast, *slow, "mixed batch");
  const auto& batch = fast->messages;
  ASSERT_EQ(batch.size(), 100u);
  EXPECT_EQ(batch.topic(), "mixed");
  EXPECT_EQ(batch.body(), body);
  const auto in_body = [&](std::optional<std::string_view> v) {
    return v && v->data() >= batch.body().data() &&
           v->data() + v->size() <= batch.body().data() + batch.body().size();
  };
  for (std::size_t i = 0; i < 100; ++i) {
    if (i % 5 == 0) {
      EXPECT_TRUE(in_body(batch.value(i))) << i;  // a view: not copied
      EXPECT_TRUE(in_body(batch.key(i))) << i;
      EXPECT_EQ(*batch.value(i), "plain " + std::to_string(i) + " ✓");
    } else if (i % 5 == 1) {
      EXPECT_FALSE(in_body(batch.value(i))) << i;
      EXPECT_EQ(*batch.value(i), "q\"u\\o/t\n\t" + std::to_string(i));
      EXPECT_EQ(*batch.key(i), "line\nbreak");
    } else if (i % 5 == 2) {
      EXPECT_EQ(*batch.value(i), raw);
      EXPECT_EQ(batch.partition(i), static_cast<std::int32_t>(i % 4));
      EXPECT_FALSE(batch.key(i).has_value());
    } else if (i % 5 == 3) {
      EXPECT_EQ(*batch.value(i), std::string("\0\xff", 2) + static_cast<char>(i) + "\n");
      EXPECT_EQ(*batch.key(i), std::string("\0\xff", 2));
    } else {
      EXPECT_FALSE(batch.value(i).has_value());
      EXPECT_EQ(batch.key(i), std::optional<std::string_view>(""));
    }
  }
  EXPECT_FALSE(batch.has_headers());
}

// parse_publish takes the request body into the batch (no copy) only when the fast path read it.
TEST(QueuePublishParser, ParsePublishTakesTheBodyOnlyOnTheFastPath) {
  http::Request req;
  req.body = R"({"topic":"t","messages":[{"value":"a long enough value to live on the heap"}]})";
  const char* bytes = req.body.data();
  const std::size_t at = req.body.find("a long");
  auto fast = parse_publish(req);
  ASSERT_TRUE(fast);
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(fast->messages.body().data(), bytes);
  EXPECT_EQ(fast->messages.value(0)->data(), bytes + at);

  http::Request general;
  general.body = R"({"topic":"t","messages":[{"value":"\u0041"}]})";
  const std::string text = general.body;
  auto slow = parse_publish(general);
  ASSERT_TRUE(slow);
  EXPECT_EQ(general.body, text);  // handed back to the general parser
  EXPECT_EQ(slow->messages.value(0), std::optional<std::string_view>("A"));
}

TEST(QueuePublishParser, EveryInvalidBodyGoesToTheGeneralParser) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"message":"x"})", "field \"topic\" is required"},
      {R"({"topic":"a b","message":"x"})", "field \"topic\""},
      {R"({"topic":5,"message":"x"})", "field \"topic\" must be a string"},
      {R"({"topic":"t"})", "field \"message\" is required"},
      {R"({"topic":"t","message":"x","value":"y"})", "aliases"},
      {R"({"topic":"t","message":5})", "field \"message\" must be"},
      {R"({"topic":"t","message":[256]})", "byte values"},
      {R"({"topic":"t","message":[-1]})", "byte values"},
      {R"({"topic":"t","message":[1.0]})", "byte values"},
      {R"({"topic":"t","message":[01]})", "malformed JSON"},
      {R"({"topic":"t","message":{"base64":"!"}})", "not valid base64"},
      {R"({"topic":"t","message":{"base64":"AA","x":1}})", "{\"base64\""},
      {R"({"topic":"t","message":"x","partition":-1})", "field \"partition\""},
      {R"({"topic":"t","message":"x","partition":1.5})", "field \"partition\""},
      {R"({"topic":"t","message":"x","partition":"1"})", "field \"partition\""},
      {R"({"topic":"t","message":"x","partition":2147483648})", "field \"partition\""},
      {R"({"topic":"t","message":"x","colour":1})", "field \"colour\" is not a known field"},
      {R"({"topic":"t","messages":[]})", "must be a non-empty array"},
      {R"({"topic":"t","messages":[{"key":"k"}]})", "field \"messages[0].value\" is required"},
      {R"({"topic":"t","messages":[{"value":"a","x":1}]})", "messages[0].x"},
      {R"({"topic":"t","messages":[{"value":"a","message":"b"}]})", "aliases"},
      {R"({"topic":"t","messages":[1]})", "messages[0]"},
      {R"({"topic":"t","messages":[{"value":"a"}],"key":"k"})", "cannot be combined"},
      {R"({"topic":"t","message":"x","headers":[{"value":"v"}]})", "name"},
      {R"({"topic":"t","message":"x","headers":"h"})", "headers"},
      {R"({"topic":"t","message":"x"} trailing)", "malformed JSON"},
      {R"({"topic":"t","message":"x",})", "malformed JSON"},
      {"{\"topic\":\"t\",\"message\":\"\xff\"}", "malformed JSON"},
      {"{\"topic\":\"t\",\"message\":\"a\x01\"}", "malformed JSON"},
      {R"([1,2])", "must be a JSON object"},
      {"", "request body is required"},
  };
  for (const auto& [body, what] : bad) {
    EXPECT_FALSE(parse_publish_fast(body).has_value()) << body;
    auto r = parse_publish_body(body);
    ASSERT_FALSE(r) << body;
    const std::string text =
        r.error().message() + " " +
        r.error().details().dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_NE(text.find(what), std::string::npos) << body << " -> " << text;
  }
}

TEST(QueuePublishParser, DuplicateKeysAreLeftToTheGeneralParser) {
  const std::string body = R"({"topic":"a","topic":"b","message":"x"})";
  EXPECT_FALSE(parse_publish_fast(body).has_value());
  auto r = parse_publish_body(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->topic, "b");  // nlohmann: the last one wins
}

}  // namespace
}  // namespace throome::api::queue
