#include "throome/client/server_url.hpp"

#include <gtest/gtest.h>

namespace throome::client {
namespace {

ServerUrl parsed(std::string_view text) {
  auto url = parse_server_url(text);
  EXPECT_TRUE(url) << text << ": " << (url ? "" : url.error().message());
  return url ? *url : ServerUrl{};
}

std::string error_of(std::string_view text) {
  auto url = parse_server_url(text);
  EXPECT_FALSE(url) << text;
  if (url) return {};
  EXPECT_EQ(url.error().kind(), ClientError::Kind::usage);
  return url.error().message();
}

TEST(ServerUrlTest, ParsesHostPortAndBasePath) {
  EXPECT_EQ(parsed("http://127.0.0.1:9000"), (ServerUrl{"127.0.0.1", 9000, ""}));
  EXPECT_EQ(parsed("http://gw.example.com:8080/throome"),
            (ServerUrl{"gw.example.com", 8080, "/throome"}));
  EXPECT_EQ(parsed("http://gw:8080/a/b/"), (ServerUrl{"gw", 8080, "/a/b"}));
  EXPECT_EQ(parsed("http://gw:8080/"), (ServerUrl{"gw", 8080, ""}));
}

TEST(ServerUrlTest, DefaultsToHttpAndPort80) {
  EXPECT_EQ(parsed("http://localhost"), (ServerUrl{"localhost", 80, ""}));
  EXPECT_EQ(parsed("localhost:9000"), (ServerUrl{"localhost", 9000, ""}));
  EXPECT_EQ(parsed("HTTP://Host:1"), (ServerUrl{"Host", 1, ""}));
}

TEST(ServerUrlTest, ParsesBracketedIpv6) {
  EXPECT_EQ(parsed("http://[::1]:9000/x"), (ServerUrl{"::1", 9000, "/x"}));
  EXPECT_EQ(parsed("http://[::1]"), (ServerUrl{"::1", 80, ""}));
  EXPECT_EQ(parsed("http://[::1]:9000").host_header(), "[::1]:9000");
}

TEST(ServerUrlTest, RendersCanonicalForm) {
  EXPECT_EQ(parsed("127.0.0.1:9000/gw/").to_string(), "http://127.0.0.1:9000/gw");
  EXPECT_EQ(parsed("http://h:80").to_string(), "http://h");
  EXPECT_EQ(parsed("http://h:80").host_header(), "h");
  EXPECT_EQ(parsed("http://h:81").host_header(), "h:81");
}

TEST(ServerUrlTest, ParsesHttpsWithPort443ByDefault) {
  auto u = parsed("HTTPS://gw/base/");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.host_header(), "gw");
  EXPECT_EQ(u.to_string(), "https://gw/base");
  auto v = parsed("https://[::1]:9443");
  EXPECT_TRUE(v.tls);
  EXPECT_EQ(v.port, 9443);
  EXPECT_EQ(v.to_string(), "https://[::1]:9443");
  EXPECT_FALSE(parsed("gw:9000").tls);
  EXPECT_EQ(parsed("http://h:443").host_header(), "h:443");
}

TEST(ServerUrlTest, RejectsMalformedUrls) {
  EXPECT_EQ(error_of(""), "invalid server URL \"\": empty");
  EXPECT_EQ(
      error_of("ftp://h:21"),
      "invalid server URL \"ftp://h:21\": unsupported scheme \"ftp\" (use http:// or https://)");
  EXPECT_EQ(error_of("http://:9000"), "invalid server URL \"http://:9000\": no host");
  EXPECT_EQ(error_of("http://"), "invalid server URL \"http://\": no host");
  EXPECT_EQ(error_of("http://h:"), "invalid server URL \"http://h:\": empty port");
  EXPECT_EQ(error_of("http://h:0"),
            "invalid server URL \"http://h:0\": port must be a number between 1 and 65535");
  EXPECT_EQ(error_of("http://h:65536"),
            "invalid server URL \"http://h:65536\": port must be a number between 1 and 65535");
  EXPECT_EQ(error_of("http://h:9x"),
            "invalid server URL \"http://h:9x\": port must be a number between 1 and 65535");
  EXPECT_EQ(error_of("http://h:9000?x=1"),
            "invalid server URL \"http://h:9000?x=1\": a query or fragment is not allowed");
  EXPECT_EQ(error_of("http://u:p@h:1"),
            "invalid server URL \"http://u:p@h:1\": credentials in the URL are not supported "
            "(use a token)");
  EXPECT_EQ(error_of("http://::1:9000"),
            "invalid server URL \"http://::1:9000\": an IPv6 address must be in brackets");
  EXPECT_EQ(error_of("http://[::1:9000"),
            "invalid server URL \"http://[::1:9000\": unterminated IPv6 address");
  EXPECT_EQ(error_of("http://h :1"), "invalid server URL \"http://h :1\": contains whitespace");
}

TEST(ServerUrlTest, EncodesPathSegments) {
  EXPECT_EQ(encode_path_segment("shop-01_a.b~"), "shop-01_a.b~");
  EXPECT_EQ(encode_path_segment("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(encode_path_segment(".."), "..");
  EXPECT_EQ(encode_path_segment("%?#"), "%25%3F%23");
  EXPECT_EQ(encode_path_segment("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace throome::client
