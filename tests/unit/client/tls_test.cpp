// The SDK over TLS against an independent TLS peer: an OpenSSL-backed HTTPS/1.1 keep-alive
// server in this process (Asio ssl + Beast, server side), with certificates made by the
// openssl command line for every run: a CA, a server certificate for DNS:localhost only, and
// a client certificate for mutual TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <mutex>
#include <thread>

#include "support/process.hpp"
#include "throome/client.hpp"

namespace throome::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Kind = ClientError::Kind;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = throome::testing::run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
}

/// CA, server (DNS:localhost) and client certificates in a temp dir.
struct Pki {
  throome::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Pki() {
    const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:prime256v1", "-nodes"};
    auto req = [&](std::vector<std::string> extra) {
      std::vector<std::string> a{"req"};
      a.insert(a.end(), ec.begin(), ec.end());
      a.insert(a.end(), extra.begin(), extra.end());
      openssl(a);
    };
    req({"-x509", "-days", "2", "-subj", "/CN=Throome Test CA", "-keyout", path("ca.key"), "-out",
         path("ca.pem")});
    std::ofstream(path("server.ext")) << "subjectAltName=DNS:localhost\n";
    req({"-subj", "/CN=localhost", "-keyout", path("server.key"), "-out", path("server.csr")});
    openssl({"x509", "-req", "-days", "2", "-in", path("server.csr"), "-CA", path("ca.pem"),
             "-CAkey", path("ca.key"), "-CAcreateserial", "-extfile", path("server.ext"), "-out",
             path("server.pem")});
    req({"-subj", "/CN=client", "-keyout", path("client.key"), "-out", path("client.csr")});
    openssl({"x509", "-req", "-days", "2", "-in", path("client.csr"), "-CA", path("ca.pem"),
             "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("client.pem")});
  }
};

/// An HTTPS/1.1 keep-alive server answering every request with {"status":"healthy"}.
class TlsServer {
 public:
  TlsServer(const Pki& pki, bool require_client_cert)
      : ctx_(ssl::context::tls_server), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file(pki.path("server.pem"));
    ctx_.use_private_key_file(pki.path("server.key"), ssl::context::pem);
    if (require_client_cert) {
      ctx_.load_verify_file(pki.path("ca.pem"));
      ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  int handshakes() const { return handshakes_.load(); }
  std::vector<std::string> authorizations() const {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), ctx_);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_nothrow);
    if (hec) co_return;
    ++handshakes_;
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [rec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
      if (rec) co_return;
      {
        std::lock_guard lock(mutex_);
        authorizations_.emplace_back(req[http::field::authorization]);
      }
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"status":"healthy"})";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, w] = co_await http::async_write(stream, res, use_nothrow);
      if (wec) co_return;
    }
  }

  asio::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> handshakes_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> authorizations_;
  std::thread thread_;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki(); }
  static void TearDownTestSuite() { delete pki_; }
  static ClientOptions options(std::uint16_t port, const std::string& host = "localhost") {
    ClientOptions o;
    o.server_url = "https://" + host + ":" + std::to_string(port);
    o.timeout = std::chrono::seconds(5);
    o.tls.ca_file = pki_->path("ca.pem");
    o.token = "tls-token";
    return o;
  }
  static Pki* pki_;
};
Pki* TlsTest::pki_ = nullptr;

TEST_F(TlsTest, VerifiedConnectionIsReusedAndCarriesTheToken) {
  TlsServer server(*pki_, false);
  auto client = Client::create(options(server.port())).value();
  for (int i = 0; i < 3; ++i) {
    auto health = client.health();
    ASSERT_TRUE(health) << health.error().message();
    EXPECT_EQ((*health)["status"], "healthy");
  }
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(client.connections_opened(), 1);
  auto auth = server.authorizations();
  ASSERT_EQ(auth.size(), 3u);
  EXPECT_EQ(auth[0], "Bearer tls-token");
}

TEST_F(TlsTest, UntrustedCertificateFailsUnlessVerificationIsOff) {
  TlsServer server(*pki_, false);
  auto o = options(server.port());
  o.tls.ca_file.clear();  // the system store does not know the test CA
  auto untrusted = Client::create(o).value().health();
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind(), Kind::transport);
  EXPECT_NE(untrusted.error().message().find("TLS handshake"), std::string::npos)
      << untrusted.error().message();
  EXPECT_NE(untrusted.error().message().find("certificate verify failed"), std::string::npos)
      << untrusted.error().message();
  EXPECT_EQ(server.authorizations().size(), 0u);  // nothing was sent, the token included

  o.tls.verify = false;
  auto insecure = Client::create(o).value().health();
  ASSERT_TRUE(insecure) << insecure.error().message();
}

TEST_F(TlsTest, HostNameMustMatchTheCertificate) {
  TlsServer server(*pki_, false);
  // The certificate names DNS:localhost only, not the IP address.
  auto by_ip = Client::create(options(server.port(), "127.0.0.1")).value().health();
  ASSERT_FALSE(by_ip);
  EXPECT_EQ(by_ip.error().kind(), Kind::transport);
  EXPECT_NE(by_ip.error().message().find("TLS handshake"), std::string::npos)
      << by_ip.error().message();
}

TEST_F(TlsTest, MutualTlsNeedsTheClientCertificate) {
  TlsServer server(*pki_, true);
  auto without = Client::create(options(server.port())).value().health();
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().kind(), Kind::transport);

  auto o = options(server.port());
  o.tls.cert_file = pki_->path("client.pem");
  o.tls.key_file = pki_->path("client.key");
  auto with = Client::create(o).value().health();
  ASSERT_TRUE(with) << with.error().message();

  o.tls.key_file.clear();
  auto half = Client::create(o);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().kind(), Kind::usage);
}

TEST_F(TlsTest, AsyncClientSpeaksTlsToo) {
  TlsServer server(*pki_, false);
  asio::io_context ioc;
  auto client = AsyncClient::create(ioc.get_executor(), options(server.port())).value();
  auto work = [client]() -> asio::awaitable<ClientResult<nlohmann::json>> {
    auto first_op = client.health();
    auto first = co_await std::move(first_op);
    if (!first) co_return first;
    auto second_op = client.health();
    co_return co_await std::move(second_op);
  };
  auto future = asio::co_spawn(ioc, work(), asio::use_future);
  ioc.run();
  auto health = future.get();
  ASSERT_TRUE(health) << health.error().message();
  EXPECT_EQ(server.handshakes(), 1);
}

}  // namespace
}  // namespace throome::client
