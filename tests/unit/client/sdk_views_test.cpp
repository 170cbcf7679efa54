// The SDK's views against a scripted HTTP server: what goes on the wire (paths, bodies, the
// Authorization header) and how answers become values or errors, for both flavours.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "throome/client.hpp"
#include "unit/client/fake_http_server.hpp"

namespace throome::client {
namespace {

using nlohmann::json;
using testing::FakeHttpServer;
using Kind = ClientError::Kind;

FakeHttpServer::Reply reply(int status, json body) {
  FakeHttpServer::Reply r;
  r.status = status;
  r.body = body.dump();
  return r;
}

ClientOptions options_for(const FakeHttpServer& server) {
  ClientOptions o;
  o.server_url = server.url();
  o.token = "tok-3f9a";
  o.cluster = "demo";
  o.timeout = std::chrono::seconds(5);
  return o;
}

TEST(SdkViewsTest, BlockingViewsSendTheTokenAndUseTheDefaultCluster) {
  FakeHttpServer server([](const FakeHttpServer::Request& req) {
    if (req.target() == "/api/v1/clusters/demo/cache/get") {
      return reply(200, {{"value", "aGk="}, {"found", true}, {"encoding", "base64"}});
    }
    return reply(200, {{"columns", json::array()}, {"rows", json::array()}});
  });
  auto client = Client::create(options_for(server)).value();
  auto value = client.cache().get("greeting");
  ASSERT_TRUE(value) << value.error().message();
  EXPECT_EQ(value->value_or("<none>"), "hi");
  auto rows = client.db("other").query("SELECT 1");
  ASSERT_TRUE(rows) << rows.error().message();

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& req : requests) {
    EXPECT_EQ(req[testing::http::field::authorization], "Bearer tok-3f9a");
    EXPECT_EQ(req[testing::http::field::content_type], "application/json");
  }
  EXPECT_EQ(json::parse(requests[0].body()), json({{"key", "greeting"}, {"encoding", "base64"}}));
  EXPECT_EQ(requests[1].target(), "/api/v1/clusters/other/db/query");
  EXPECT_EQ(server.connections(), 1);  // keep-alive
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(SdkViewsTest, AsyncViewsSendTheTokenAndShareConnections) {
  FakeHttpServer server([](const FakeHttpServer::Request& req) {
    if (req.target() == "/api/v1/clusters/demo/queue/publish") {
      return reply(200, {{"status", "success"}, {"topic", "t"}, {"partition", 2}, {"offset", 9}});
    }
    return reply(200, {{"status", "success"}, {"deleted", 1}});
  });
  boost::asio::io_context ioc;
  auto client = AsyncClient::create(ioc.get_executor(), options_for(server)).value();
  auto work = [client]() -> boost::asio::awaitable<std::pair<std::int64_t, PublishResult>> {
    auto cache = client.cache();
    auto del_op = cache.del("k");
    auto deleted = co_await std::move(del_op);
    Message m;
    m.value = "v";
    auto queue = client.queue();
    auto publish_op = queue.publish("t", m);
    auto published = co_await std::move(publish_op);
    co_return std::make_pair(deleted.value(), published.value());
  };
  auto future = boost::asio::co_spawn(ioc, work(), boost::asio::use_future);
  ioc.run();
  auto [deleted, published] = future.get();
  EXPECT_EQ(deleted, 1);
  EXPECT_EQ(published.partition, 2);
  EXPECT_EQ(published.offset, 9);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& req : requests) {
    EXPECT_EQ(req[testing::http::field::authorization], "Bearer tok-3f9a");
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(SdkViewsTest, DaemonErrorsAreValuesWithStatusAndBody) {
  FakeHttpServer server([](const FakeHttpServer::Request&) {
    return reply(404, {{"error", "cluster \"nope\" not found"},
                       {"code", "not_found"},
                       {"status", 404},
                       {"request_id", "r1"}});
  });
  auto client = Client::create(options_for(server)).value();
  auto value = client.cache("nope").get("k");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().kind(), Kind::http);
  EXPECT_EQ(value.error().http_status(), 404);
  EXPECT_EQ(value.error().code(), "not_found");
  EXPECT_EQ(value.error().message(), "cluster \"nope\" not found");
  // The token never appears in an error.
  EXPECT_EQ(value.error().message().find("tok-3f9a"), std::string::npos);
}

TEST(SdkViewsTest, NoClusterIsAUsageErrorWithoutARequest) {
  FakeHttpServer server([](const FakeHttpServer::Request&) { return reply(200, json::object()); });
  auto options = options_for(server);
  options.cluster.clear();
  auto client = Client::create(options).value();
  auto value = client.cache().get("k");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().kind(), Kind::usage);
  EXPECT_TRUE(server.requests().empty());
}

TEST(SdkViewsTest, TokensWithLineBreaksAreRefused) {
  ClientOptions o;
  o.token = "abc\r\nX-Evil: 1";
  auto client = Client::create(o);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind(), Kind::usage);
  EXPECT_EQ(client.error().message().find("abc"), std::string::npos);
}

}  // namespace
}  // namespace throome::client
