#include "throome/api/fields.hpp"

#include <gtest/gtest.h>

#include <string>

#include "throome/http/request.hpp"

namespace throome::api {
namespace {

http::Request with_query(std::string query) {
  http::Request req;
  req.method = "GET";
  req.query = std::move(query);
  return req;
}

TEST(QueryInt, AbsentIsNulloptAndPresentIsTheNumber) {
  auto absent = query_int(with_query("other=5"), "ttl", 0, 10);
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->has_value());

  auto v = query_int(with_query("other=1&ttl=7"), "ttl", 0, 10);
  ASSERT_TRUE(v.has_value());
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ(**v, 7);
  // Both bounds are inclusive.
  EXPECT_EQ(**query_int(with_query("ttl=0"), "ttl", 0, 10), 0);
  EXPECT_EQ(**query_int(with_query("ttl=10"), "ttl", 0, 10), 10);
}

TEST(QueryInt, AnythingButAnIntegerInRangeIsABadRequestNamingTheParameter) {
  for (const char* query : {"ttl=", "ttl=11", "ttl=-1", "ttl=1.5", "ttl=5s", "ttl=%205", "ttl=x",
                            "ttl=99999999999999999999"}) {
    auto r = query_int(with_query(query), "ttl", 0, 10);
    ASSERT_FALSE(r.has_value()) << query;
    EXPECT_EQ(r.error().code(), Errc::bad_request) << query;
    EXPECT_EQ(r.error().message(), "query parameter \"ttl\" must be an integer between 0 and 10")
        << query;
  }
}

}  // namespace
}  // namespace throome::api
