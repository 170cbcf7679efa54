#include "throome/api/queue_codec.hpp"

#include <gtest/gtest.h>

#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

using nlohmann::json;

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(QueueCodec, BytesFromEveryAcceptedForm) {
  EXPECT_EQ(bytes_from_json("héllo", "message", false).value(), "héllo");
  EXPECT_EQ(bytes_from_json(json::array({104, 105, 0, 255}), "message", false).value(),
            std::string("hi\0\xff", 4));
  EXPECT_EQ(bytes_from_json(json::array(), "message", false).value(), "");
  EXPECT_EQ(bytes_from_json({{"base64", common::base64_encode(all_bytes())}}, "m", false).value(),
            all_bytes());
  EXPECT_FALSE(bytes_from_json(nullptr, "message", true).value().has_value());
}

TEST(QueueCodec, BadBytesNameTheField) {
  auto expect_bad = [](const json& v, const std::string& what) {
    auto r = bytes_from_json(v, "messages[3].value", false);
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().code(), Errc::bad_request);
    EXPECT_NE(r.error().message().find("messages[3].value"), std::string::npos);
    EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
  };
  expect_bad(nullptr, "must not be null");
  expect_bad(5, "must be a string");
  expect_bad(true, "must be a string");
  expect_bad(json::array({1, 256}), "byte values");
  expect_bad(json::array({-1}), "byte values");
  expect_bad(json::array({"1"}), "byte values");
  expect_bad(json::array({1.5}), "byte values");
  expect_bad({{"base64", "!!"}}, "not valid base64");
  expect_bad({{"base64", 7}}, "base64 must be a string");
  expect_bad({{"hex", "00"}}, "{\"base64\"");
  expect_bad({{"base64", "AA=="}, {"extra", 1}}, "{\"base64\"");
}

TEST(QueueCodec, HeadersAsObjectOrList) {
  auto obj =
      headers_from_json({{"a", "1"}, {"b", nullptr}, {"c", {{"base64", "AP8="}}}}, "headers");
  ASSERT_TRUE(obj) << obj.error().message();
  ASSERT_EQ(obj->size(), 3u);
  EXPECT_EQ((*obj)[0], (kafka::Header{"a", "1"}));
  EXPECT_EQ((*obj)[1], (kafka::Header{"b", std::nullopt}));
  EXPECT_EQ((*obj)[2], (kafka::Header{"c", std::string("\0\xff", 2)}));

  auto list = headers_from_json(
      json::array(
          {{{"name", "x"}, {"value", "1"}}, {{"name", "x"}, {"value", "2"}}, {{"name", "n"}}}),
      "headers");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);  // repeated names kept, in order
  EXPECT_EQ((*list)[1], (kafka::Header{"x", "2"}));
  EXPECT_FALSE((*list)[2].value.has_value());

  EXPECT_FALSE(headers_from_json("h", "headers"));
  EXPECT_FALSE(headers_from_json(json::array({1}), "headers"));
  EXPECT_FALSE(headers_from_json(json::array({{{"value", "v"}}}), "headers"));
  EXPECT_FALSE(headers_from_json(json::array({{{"name", ""}}}), "headers"));
  EXPECT_FALSE(headers_from_json(json::array({{{"name", "a"}, {"colour", 1}}}), "headers"));
  EXPECT_FALSE(headers_from_json({{"a", 5}}, "headers"));
}

TEST(QueueCodec, BytesToJsonInEachEncoding) {
  EXPECT_EQ(bytes_to_json(std::nullopt, Encoding::utf8), nullptr);
  EXPECT_EQ(bytes_to_json(std::string("héllo"), Encoding::utf8), "héllo");
  // Not UTF-8: still lossless, as {"base64"}.
  EXPECT_EQ(bytes_to_json(std::string("\xff\xfe"), Encoding::utf8), json({{"base64", "//4="}}));
  EXPECT_EQ(bytes_to_json(std::string("hi"), Encoding::base64), json({{"base64", "aGk="}}));
  EXPECT_EQ(bytes_to_json(std::string("hi\xff"), Encoding::bytes), json::array({104, 105, 255}));
  // Whatever was written reads back as the same bytes.
  for (auto enc : {Encoding::utf8, Encoding::base64, Encoding::bytes}) {
    auto back = bytes_from_json(bytes_to_json(all_bytes(), enc), "v", false);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, all_bytes());
  }
}

TEST(QueueCodec, RecordJson) {
  kafka::Record r;
  r.topic = "t";
  r.partition = 2;
  r.offset = 9;
  r.value = "v";
  r.headers = {{"h", "1"}, {"n", std::nullopt}};
  r.timestamp_ms = 1234;
  r.timestamp_type = "create_time";
  EXPECT_EQ(
      record_to_json(r, Encoding::utf8),
      (json{{"topic", "t"},
            {"partition", 2},
            {"offset", 9},
            {"key", nullptr},
            {"value", "v"},
            {"headers", {{{"name", "h"}, {"value", "1"}}, {{"name", "n"}, {"value", nullptr}}}},
            {"timestamp", 1234},
            {"timestamp_type", "create_time"}}));
}

TEST(QueueCodec, TopicNames) {
  EXPECT_TRUE(check_topic_name("orders.v1_x-2"));
  EXPECT_TRUE(check_topic_name(std::string(249, 'a')));
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "a b", "a/b", "é", std::string(250, 'a')}) {
    auto r = check_topic_name(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(QueueCodec, Encodings) {
  EXPECT_EQ(parse_encoding(std::nullopt).value(), Encoding::utf8);
  EXPECT_EQ(parse_encoding("utf-8").value(), Encoding::utf8);
  EXPECT_EQ(parse_encoding("base64").value(), Encoding::base64);
  EXPECT_EQ(parse_encoding("bytes").value(), Encoding::bytes);
  EXPECT_FALSE(parse_encoding("hex"));
}

}  // namespace
}  // namespace throome::api::queue
