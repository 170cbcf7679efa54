#include "throome/http/route_table.hpp"

#include <gtest/gtest.h>

namespace throome::http {
namespace {

Handler noop() {
  return [](Request&) -> boost::asio::awaitable<Response> { co_return Response::no_content(); };
}

class RouteTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table.add("GET", "/", Access::open, noop());
    table.add("GET", "/api/v1/clusters", Access::open, noop());
    table.add("POST", "/api/v1/clusters", Access::open, noop());
    table.add("POST", "/api/v1/clusters/validate", Access::open, noop());
    table.add("GET", "/api/v1/clusters/{id}", Access::open, noop());
    table.add("PUT", "/api/v1/clusters/{id}", Access::open, noop());
    table.add("DELETE", "/api/v1/clusters/{id}", Access::open, noop());
    table.add("GET", "/api/v1/clusters/{id}/services/{name}", Access::open, noop());
    table.add("GET", "/api/v1/clusters/{id}/cache/keys/{key...}", Access::open, noop());
  }
  RouteTable table;
};

TEST_F(RouteTableTest, MatchesLiteralRoot) {
  auto m = table.match("GET", "/");
  EXPECT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/");
}

TEST_F(RouteTableTest, CapturesDecodedParameters) {
  auto m = table.match("GET", "/api/v1/clusters/shop-01/services/my%20db");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/api/v1/clusters/{id}/services/{name}");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "shop-01"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"name", "my db"}));
}

TEST_F(RouteTableTest, EncodedSlashStaysInsideOneSegment) {
  auto m = table.match("GET", "/api/v1/clusters/a%2Fb");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.params[0].second, "a/b");
}

TEST_F(RouteTableTest, RestCaptureTakesRemainingSegments) {
  auto m = table.match("GET", "/api/v1/clusters/c/cache/keys/user/42");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"key", "user/42"}));
}

TEST_F(RouteTableTest, LiteralWinsOverCaptureForSameMethod) {
  auto m = table.match("POST", "/api/v1/clusters/validate");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/api/v1/clusters/validate");
}

TEST_F(RouteTableTest, CaptureServesOtherMethodsOfALiteralPath) {
  // A cluster may be called "validate": GET reaches it through the {id} route.
  auto m = table.match("GET", "/api/v1/clusters/validate");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/api/v1/clusters/{id}");
}

TEST_F(RouteTableTest, WrongMethodIsMethodNotAllowedWithAllowList) {
  auto m = table.match("PATCH", "/api/v1/clusters/x");
  EXPECT_EQ(m.kind, RouteTable::Match::Kind::method_not_allowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PUT", "DELETE", "HEAD"}));
}

TEST_F(RouteTableTest, UnknownPathIsNotFound) {
  EXPECT_EQ(table.match("GET", "/api/v2/clusters").kind, RouteTable::Match::Kind::not_found);
  EXPECT_EQ(table.match("GET", "/api/v1/clusters/x/y").kind, RouteTable::Match::Kind::not_found);
  EXPECT_EQ(table.match("GET", "/api/v1/clusters//services/a").kind,
            RouteTable::Match::Kind::not_found);
}

TEST_F(RouteTableTest, TrailingSlashIsTolerated) {
  auto m = table.match("GET", "/api/v1/clusters/");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/api/v1/clusters");
}

TEST_F(RouteTableTest, HeadFallsBackToGet) {
  auto m = table.match("HEAD", "/api/v1/clusters");
  ASSERT_EQ(m.kind, RouteTable::Match::Kind::found);
  EXPECT_EQ(m.route, "/api/v1/clusters");
}

TEST_F(RouteTableTest, MalformedEscapeIsBadPath) {
  EXPECT_EQ(table.match("GET", "/api/v1/clusters/%zz").kind, RouteTable::Match::Kind::bad_path);
  EXPECT_EQ(table.match("GET", "api/v1").kind, RouteTable::Match::Kind::bad_path);
}

TEST(RouteTable, RejectsDuplicatesAndMalformedTemplates) {
  RouteTable t;
  t.add("GET", "/a/{id}", Access::open, noop());
  EXPECT_THROW(t.add("GET", "/a/{id}", Access::open, noop()), std::invalid_argument);
  EXPECT_THROW(t.add("GET", "no-slash", Access::open, noop()), std::invalid_argument);
  EXPECT_THROW(t.add("GET", "/a//b", Access::open, noop()), std::invalid_argument);
  EXPECT_THROW(t.add("GET", "/a/{rest...}/b", Access::open, noop()), std::invalid_argument);
  EXPECT_EQ(t.routes().size(), 1u);
}

}  // namespace
}  // namespace throome::http
