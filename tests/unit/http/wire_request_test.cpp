#include "throome/http/wire_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace throome::http {
namespace {

TEST(ParseWireRequest, ParsesWhatTheSessionWouldHandToTheDispatcher) {
  auto r = parse_wire_request(
      "POST /api/v1/clusters/a%2Fb/cache/set?x=1 HTTP/1.1\r\nHost: h\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}EXTRA");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/api/v1/clusters/a%2Fb/cache/set");
  EXPECT_EQ(r->query, "x=1");
  EXPECT_EQ(r->body, "{}");  // what follows belongs to the next request
  EXPECT_EQ(r->version, 11u);
  EXPECT_EQ(r->header("content-type").value_or(""), "application/json");
}

TEST(ParseWireRequest, ChunkedBodiesAreReassembled) {
  auto r = parse_wire_request(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->body, "abcde");
}

TEST(ParseWireRequest, MalformedAndTruncatedInputIsBadRequest) {
  for (const std::string bytes :
       {"", "GET", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost x\r\n\r\n",
        "G@T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/9.9\r\n\r\n",
        "GET / HTTP/0.9\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    auto r = parse_wire_request(bytes);
    ASSERT_FALSE(r.has_value()) << bytes;
    EXPECT_EQ(r.error().code(), Errc::bad_request) << bytes;
  }
}

TEST(ParseWireRequest, LimitsGive431And413) {
  WireLimits limits{1024, 16};
  auto header =
      parse_wire_request("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(header.has_value());
  EXPECT_EQ(header.error().code(), Errc::header_too_large);
  auto body = parse_wire_request(
      "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'b'), limits);
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code(), Errc::payload_too_large);
  auto chunked = parse_wire_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" +
                                        std::string(32, 'c') + "\r\n0\r\n\r\n",
                                    limits);
  ASSERT_FALSE(chunked.has_value());
  EXPECT_EQ(chunked.error().code(), Errc::payload_too_large);
}

}  // namespace
}  // namespace throome::http
