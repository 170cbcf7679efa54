#include "client/http_transport.hpp"

#include <gtest/gtest.h>

#include "unit/client/fake_http_server.hpp"

namespace throome::client::detail {
namespace {

using testing::FakeHttpServer;

ServerUrl url_of(const FakeHttpServer& server) { return {"127.0.0.1", server.port(), ""}; }

HttpRequest get(std::string target) {
  HttpRequest req;
  req.method = "GET";
  req.target = std::move(target);
  return req;
}

TEST(HttpTransportTest, ConnectsLazilyAndKeepsTheConnection) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.body = "{}";
    return r;
  });
  HttpTransport transport(url_of(server), std::chrono::seconds(5));
  EXPECT_FALSE(transport.connected());
  EXPECT_EQ(transport.connections_opened(), 0);

  for (int i = 0; i < 3; ++i) {
    auto r = transport.send(get("/x"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->reason, "OK");
    EXPECT_EQ(r->content_type, "application/json");
    EXPECT_EQ(r->body, "{}");
  }
  EXPECT_TRUE(transport.connected());
  EXPECT_EQ(transport.connections_opened(), 1);
}

TEST(HttpTransportTest, ClosesWhenTheServerSaysSo) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.connection_close_header = true;
    return r;
  });
  HttpTransport transport(url_of(server), std::chrono::seconds(5));
  ASSERT_TRUE(transport.send(get("/")));
  EXPECT_FALSE(transport.connected());
  ASSERT_TRUE(transport.send(get("/")));
  EXPECT_EQ(transport.connections_opened(), 2);
}

TEST(HttpTransportTest, SendsTheBodyWithContentTypeAndLength) {
  FakeHttpServer server([](const auto&) { return FakeHttpServer::Reply{}; });
  HttpTransport transport(url_of(server), std::chrono::seconds(5));
  HttpRequest req;
  req.method = "POST";
  req.target = "/p";
  req.body = "name: x\n";
  req.content_type = "application/yaml";
  req.headers = {{"X-Test", "1"}};
  ASSERT_TRUE(transport.send(req));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body(), "name: x\n");
  EXPECT_EQ(seen[0][testing::http::field::content_type], "application/yaml");
  EXPECT_EQ(seen[0][testing::http::field::content_length], "8");
  EXPECT_EQ(seen[0]["X-Test"], "1");
}

TEST(HttpTransportTest, HeadResponsesHaveNoBody) {
  FakeHttpServer server([](const auto&) { return FakeHttpServer::Reply{}; });
  HttpTransport transport(url_of(server), std::chrono::seconds(5));
  HttpRequest req = get("/");
  req.method = "HEAD";
  auto r = transport.send(req);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "");
}

TEST(HttpTransportTest, FormatsDurations) {
  using std::chrono::milliseconds;
  EXPECT_EQ(format_duration(milliseconds(10'000)), "10s");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1.5s");
  EXPECT_EQ(format_duration(milliseconds(1'050)), "1.05s");
  EXPECT_EQ(format_duration(milliseconds(300)), "300ms");
  EXPECT_EQ(format_duration(milliseconds(1'000)), "1s");
}

}  // namespace
}  // namespace throome::client::detail
