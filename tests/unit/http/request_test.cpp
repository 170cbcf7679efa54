#include "throome/http/request.hpp"

#include <gtest/gtest.h>

namespace throome::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsPlusByDefault) {
  EXPECT_EQ(percent_decode("a%20b+c").value(), "a b+c");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_EQ(percent_decode("%E2%9C%93").value(), "\xE2\x9C\x93");
  EXPECT_EQ(percent_decode("%00").value(), std::string(1, '\0'));
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%g0"));
  EXPECT_FALSE(percent_decode("abc%"));
}

TEST(ParseQuery, SplitsAndDecodesPairs) {
  auto q = parse_query("limit=5&name=a%26b&flag&&x=1+2");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"limit", "5"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"name", "a&b"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"x", "1 2"}));
}

TEST(Headers, LookupIsCaseInsensitiveAndSetReplaces) {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("X-A", "1");
  h.add("x-a", "2");
  EXPECT_EQ(h.get("content-type").value(), "text/plain");
  EXPECT_EQ(h.get("X-a").value(), "1");
  h.set("X-A", "3");
  EXPECT_EQ(h.get("x-a").value(), "3");
  EXPECT_EQ(h.fields().size(), 2u);
  EXPECT_FALSE(h.get("missing"));
}

TEST(Request, ContentTypeIsLowercasedWithoutParameters) {
  Request r;
  r.headers.add("Content-Type", " Application/YAML ; charset=utf-8");
  EXPECT_EQ(r.content_type(), "application/yaml");
  Request none;
  EXPECT_EQ(none.content_type(), "");
}

TEST(Request, ParamAndQueryParam) {
  Request r;
  r.params = {{"id", "shop"}};
  r.query = "limit=10&limit=20";
  EXPECT_EQ(r.param("id"), "shop");
  EXPECT_EQ(r.param("other"), "");
  EXPECT_EQ(r.query_param("limit").value(), "10");
  EXPECT_FALSE(r.query_param("x"));
}

}  // namespace
}  // namespace throome::http
