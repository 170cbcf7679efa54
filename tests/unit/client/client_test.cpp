#include "throome/client/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "throome/client/exit_code.hpp"
#include "unit/client/fake_http_server.hpp"

namespace throome::client {
namespace {

using nlohmann::json;
using testing::FakeHttpServer;
using Kind = ClientError::Kind;

Client make_client(const std::string& url,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5),
                   std::string token = "") {
  ClientOptions options;
  options.server_url = url;
  options.timeout = timeout;
  options.token = std::move(token);
  auto client = Client::create(options);
  EXPECT_TRUE(client) << (client ? "" : client.error().message());
  return std::move(*client);
}

FakeHttpServer::Reply ok_json(std::string body) {
  FakeHttpServer::Reply r;
  r.body = std::move(body);
  return r;
}

/// A port on which nothing listens (an acceptor bound and closed again).
std::uint16_t closed_port() {
  boost::asio::io_context ioc;
  testing::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(ClientTest, CreateRejectsBadOptions) {
  ClientOptions options;
  options.server_url = "https://gw:9443";
  options.tls.ca_file = "/nonexistent/ca.pem";
  auto tls = Client::create(options);
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().kind(), Kind::usage);
  EXPECT_NE(tls.error().message().find("/nonexistent/ca.pem"), std::string::npos)
      << tls.error().message();
  options.tls = {};

  options.server_url = "http://gw:9000";
  options.timeout = std::chrono::milliseconds(0);
  auto zero = Client::create(options);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message(), "the timeout must be positive");
}

TEST(ClientTest, SendsHeadersAndParsesHealth) {
  FakeHttpServer server([](const auto&) {
    return ok_json(R"({"status":"healthy","timestamp":1700000000,"version":"0.1.0"})");
  });
  auto client = make_client(server.url(), std::chrono::seconds(5), "s3cret");
  auto health = client.health();
  ASSERT_TRUE(health) << health.error().message();
  EXPECT_EQ((*health)["status"], "healthy");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests[0];
  EXPECT_EQ(req.method_string(), "GET");
  EXPECT_EQ(req.target(), "/health");
  EXPECT_EQ(req[testing::http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(req[testing::http::field::authorization], "Bearer s3cret");
  EXPECT_EQ(req[testing::http::field::accept], "application/json");
  EXPECT_EQ(req[testing::http::field::user_agent], "throome-client");
}

TEST(ClientTest, PrefixesTheBasePathAndEncodesIds) {
  FakeHttpServer server([](const auto&) { return ok_json(R"({"id":"a/b"})"); });
  auto client = make_client(server.url() + "/gw/");
  ASSERT_TRUE(client.get_cluster("a/b"));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target(), "/gw/api/v1/clusters/a%2Fb");
  EXPECT_EQ(server.requests()[0][testing::http::field::authorization], "");
}

TEST(ClientTest, SendsBodiesWithTheirContentType) {
  FakeHttpServer server([](const FakeHttpServer::Request& req) {
    auto r = ok_json(R"({"id":"shop","name":"Shop","services":[]})");
    r.status = req.target() == "/api/v1/clusters" ? 201 : 200;
    return r;
  });
  auto client = make_client(server.url());
  ASSERT_TRUE(client.create_cluster({{"name", "Shop"}}));
  ASSERT_TRUE(client.create_cluster_yaml("name: Shop\n"));
  ASSERT_TRUE(client.update_cluster("shop", {{"name", "Shop"}}));
  ASSERT_TRUE(client.validate_cluster_yaml("name: Shop\n"));
  ASSERT_TRUE(client.delete_cluster("shop"));

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0].method_string(), "POST");
  EXPECT_EQ(requests[0][testing::http::field::content_type], "application/json");
  EXPECT_EQ(json::parse(requests[0].body()), (json{{"name", "Shop"}}));
  EXPECT_EQ(requests[1][testing::http::field::content_type], "application/yaml");
  EXPECT_EQ(requests[1].body(), "name: Shop\n");
  EXPECT_EQ(requests[2].method_string(), "PUT");
  EXPECT_EQ(requests[2].target(), "/api/v1/clusters/shop");
  EXPECT_EQ(requests[3].target(), "/api/v1/clusters/validate");
  EXPECT_EQ(requests[4].method_string(), "DELETE");
  EXPECT_EQ(requests[4].body(), "");
  EXPECT_EQ(requests[4].count(testing::http::field::content_type), 0u);
}

TEST(ClientTest, ReusesOneKeepAliveConnection) {
  FakeHttpServer server([](const auto&) { return ok_json("[]"); });
  auto client = make_client(server.url());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.list_clusters());
  EXPECT_EQ(server.connections(), 1);
}

TEST(ClientTest, ReconnectsWhenTheServerClosedAnIdleConnection) {
  FakeHttpServer server([](const auto&) {
    auto r = ok_json("[]");
    r.close_after = true;  // closes without saying so, like an idle timeout would
    return r;
  });
  auto client = make_client(server.url());
  for (int i = 0; i < 3; ++i) {
    auto r = client.list_clusters();
    ASSERT_TRUE(r) << i << ": " << r.error().message();
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(ClientTest, HonoursConnectionClose) {
  FakeHttpServer server([](const auto&) {
    auto r = ok_json("[]");
    r.connection_close_header = true;
    return r;
  });
  auto client = make_client(server.url());
  ASSERT_TRUE(client.list_clusters());
  ASSERT_TRUE(client.list_clusters());
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTest, ConnectionRefusedIsATransportError) {
  const auto port = closed_port();
  auto client = make_client("http://127.0.0.1:" + std::to_string(port));
  auto r = client.health();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::transport);
  EXPECT_EQ(r.error().message(),
            "cannot reach http://127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_EQ(exit_code_for(r.error()), ExitCode::unreachable);
}

TEST(ClientTest, UnknownHostIsATransportError) {
  auto client = make_client("http://no-such-host.invalid:9000");
  auto r = client.health();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::transport);
  EXPECT_EQ(r.error().message().rfind(
                "cannot reach http://no-such-host.invalid:9000: cannot resolve host "
                "\"no-such-host.invalid\": ",
                0),
            0u)
      << r.error().message();
}

TEST(ClientTest, ASilentServerTimesOut) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.no_reply = true;
    return r;
  });
  auto client = make_client(server.url(), std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  auto r = client.health();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::transport);
  EXPECT_EQ(r.error().message(), "no answer from " + server.url() + " within 300ms");
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_EQ(server.requests().size(), 1u);  // a timeout is never retried
}

TEST(ClientTest, AnAnswerlessCloseOnAFreshConnectionIsNotRetried) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.drop = true;
    return r;
  });
  auto client = make_client(server.url());
  auto r = client.health();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::transport);
  EXPECT_EQ(r.error().message(),
            "connection to " + server.url() + " closed before a complete response");
  EXPECT_EQ(server.connections(), 1);
}

TEST(ClientTest, DaemonErrorsBecomeHttpErrors) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.status = 404;
    r.body = R"({"error":"cluster \"x\" not found","code":"not_found","status":404,)"
             R"("details":null,"request_id":"r1"})";
    return r;
  });
  auto client = make_client(server.url());
  auto r = client.get_cluster("x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::http);
  EXPECT_EQ(r.error().http_status(), 404);
  EXPECT_EQ(r.error().message(), "cluster \"x\" not found");
  EXPECT_EQ(r.error().code(), "not_found");
  EXPECT_EQ(r.error().body()["request_id"], "r1");
  EXPECT_EQ(exit_code_for(r.error()), ExitCode::client_error);
}

TEST(ClientTest, NonJsonErrorsUseTheStatusLine) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.status = 502;
    r.content_type = "text/html";
    r.body = "<html>bad gateway</html>";
    return r;
  });
  auto client = make_client(server.url());
  auto r = client.list_clusters();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::http);
  EXPECT_EQ(r.error().message(), "HTTP 502 Bad Gateway");
  EXPECT_EQ(r.error().body(), "<html>bad gateway</html>");
  EXPECT_EQ(exit_code_for(r.error()), ExitCode::server_error);
}

TEST(ClientTest, UnexpectedSuccessBodiesAreProtocolErrors) {
  FakeHttpServer server([](const FakeHttpServer::Request& req) {
    return ok_json(req.target() == "/health" ? "not json" : R"({"not":"an array"})");
  });
  auto client = make_client(server.url());
  auto health = client.health();
  ASSERT_FALSE(health);
  EXPECT_EQ(health.error().kind(), Kind::protocol);
  EXPECT_EQ(health.error().message(), "the response from " + server.url() + " is not JSON");
  auto list = client.list_clusters();
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind(), Kind::protocol);
  EXPECT_EQ(list.error().message(), "GET /api/v1/clusters: expected a JSON array");
}

TEST(ClientTest, GarbageOnTheWireIsAProtocolError) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.raw = "HELLO THERE\r\n\r\n";
    return r;
  });
  auto client = make_client(server.url());
  auto r = client.health();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), Kind::protocol);
  EXPECT_EQ(r.error().message().rfind("invalid HTTP response from " + server.url() + ": ", 0), 0u)
      << r.error().message();
}

TEST(ClientTest, GenericRequestReturnsEveryStatus) {
  FakeHttpServer server([](const auto&) {
    FakeHttpServer::Reply r;
    r.status = 409;
    r.body = R"({"error":"duplicate"})";
    return r;
  });
  auto client = make_client(server.url());
  auto r = client.request("POST", "/api/v1/clusters", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->reason, "Conflict");
  EXPECT_EQ(r->json["error"], "duplicate");

  auto bad_path = client.request("GET", "health");
  ASSERT_FALSE(bad_path);
  EXPECT_EQ(bad_path.error().kind(), Kind::usage);
  auto bad_method = client.request("FETCH", "/health");
  ASSERT_FALSE(bad_method);
  EXPECT_EQ(bad_method.error().kind(), Kind::usage);
  EXPECT_EQ(bad_method.error().message(), "unknown HTTP method \"FETCH\"");
}

}  // namespace
}  // namespace throome::client
