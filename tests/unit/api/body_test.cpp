#include "throome/api/body.hpp"

#include <gtest/gtest.h>

#include <string>

namespace throome::api {
namespace {

http::Request with_body(std::string body) {
  http::Request req;
  req.method = "POST";
  req.headers.add("Content-Type", "application/json");
  req.body = std::move(body);
  return req;
}

std::string nested(int containers) {
  return std::string(containers, '[') + std::string(containers, ']');
}

TEST(ParseJsonBody, AcceptsExactlyTheNestingLimit) {
  EXPECT_TRUE(parse_json_body(with_body(nested(kMaxJsonDepth))).has_value());
  auto too_deep = parse_json_body(with_body(nested(kMaxJsonDepth + 1)));
  ASSERT_FALSE(too_deep.has_value());
  EXPECT_EQ(too_deep.error().code(), Errc::invalid_json);
  EXPECT_NE(too_deep.error().message().find("64"), std::string::npos);
  // Objects count the same as arrays, and depth is not fooled by siblings.
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_FALSE(parse_json_body(with_body(objects)).has_value());
}

TEST(ParseJsonBody, DeepInputFailsFastWithoutRecursion) {
  auto r = parse_json_body(with_body(std::string(1'000'000, '[')));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Errc::invalid_json);
}

TEST(ParseJsonBody, NumbersBeyondADoubleAreMalformedNotInternalErrors) {
  for (const char* body : {"{\"ttl\":1e400}", "[-1e99999]", "1E309"}) {
    auto r = parse_json_body(with_body(body));
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code(), Errc::invalid_json) << body;
  }
}

TEST(ParseJsonBody, InvalidUtf8AndNonJsonMediaTypes) {
  auto bad = parse_json_body(with_body("{\"k\":\"\xff\"}"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Errc::invalid_json);
  auto req = with_body("{}");
  req.headers.set("Content-Type", "application/xml");
  auto xml = parse_json_body(req);
  ASSERT_FALSE(xml.has_value());
  EXPECT_EQ(xml.error().code(), Errc::unsupported_media_type);
}

}  // namespace
}  // namespace throome::api
