// TLS on the listener, checked with independent peers (certificates made by the `openssl`
// command line, requests sent by `curl`), then with our own SDK and throome-cli against the
// daemon: mutual TLS plus an API key, end to end.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/process.hpp"
#include "throome/client.hpp"

namespace throome::testing {
namespace {

namespace fs = std::filesystem;

void must(const std::vector<std::string>& argv) {
  auto r = run_command(argv);
  ASSERT_EQ(r.exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << "\n" << r.err;
}

// A CA and a certificate it signs, as PEM files in `dir`: <name>.pem / <name>.key.
void make_ca(const fs::path& dir, const std::string& name) {
  must({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout", (dir / (name + ".key")).string(),
        "-out", (dir / (name + ".pem")).string()});
}

void make_cert(const fs::path& dir, const std::string& ca, const std::string& name,
               const std::string& extensions) {
  const fs::path ext = dir / (name + ".ext");
  std::ofstream(ext) << extensions << "\n";
  must({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-subj", "/CN=" + name, "-keyout", (dir / (name + ".key")).string(), "-out",
        (dir / (name + ".csr")).string()});
  must({"openssl", "x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA",
        (dir / (ca + ".pem")).string(), "-CAkey", (dir / (ca + ".key")).string(), "-CAcreateserial",
        "-days", "2", "-extfile", ext.string(), "-out", (dir / (name + ".pem")).string()});
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const fs::path d = dir_->path();
    make_ca(d, "ca");
    make_ca(d, "ca2");
    const std::string server_ext =
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth";
    make_cert(d, "ca", "server", server_ext);
    make_cert(d, "ca2", "server2", server_ext);
    make_cert(d, "ca", "client", "extendedKeyUsage=clientAuth");
    // The daemon reads its certificate from these paths (replaced in the reload test).
    fs::copy_file(d / "server.pem", d / "live.pem");
    fs::copy_file(d / "server.key", d / "live.key");
  }
  static void TearDownTestSuite() { delete dir_; }

  static fs::path path(const std::string& name) { return dir_->path() / name; }

  // curl's HTTP status for `url` ("000" when the connection or handshake failed).
  static std::string curl(const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> argv{"curl", "-s",        "--max-time", "10",
                                  "-o",   "/dev/null", "-w",         "%{http_code}"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    return run_command(argv).out;
  }

  static DaemonProcess::Options options(const std::string& tls_yaml) {
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / ("clusters-" + std::to_string(++daemons_));
    o.config_yaml = "server:\n  tls: " + tls_yaml + "\n";
    return o;
  }

  static TempDir* dir_;
  static int daemons_;
};

TempDir* Tls::dir_ = nullptr;
int Tls::daemons_ = 0;

TEST_F(Tls, ServesHttpsAndDropsPlainHttpCleanly) {
  DaemonProcess daemon(options("{cert_file: " + path("live.pem").string() +
                               ", key_file: " + path("live.key").string() + "}"));
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.port()) + "/health";
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "200");
  // An unknown CA fails verification on the client side.
  EXPECT_EQ(curl(url, {"--cacert", path("ca2.pem").string()}), "000");
  // TLS older than 1.2 is refused by the server (curl offers only TLS 1.0/1.1 here).
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string(), "--tlsv1.0", "--tls-max", "1.1"}),
            "000");

  // Plain HTTP on the TLS port: no HTTP answer, the connection ends at once.
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = raw_exchange(daemon.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
                                         std::chrono::seconds(8));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6))
      << "the daemon kept a non-TLS connection open";
  EXPECT_EQ(reply.find("HTTP/1.1"), std::string::npos) << reply;
  // ... and the daemon keeps serving.
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "200");
  EXPECT_TRUE(daemon.running());
}

TEST_F(Tls, ClientCertificatesWhenRequired) {
  DaemonProcess daemon(options(
      "{cert_file: " + path("server.pem").string() + ", key_file: " + path("server.key").string() +
      ", ca_file: " + path("ca.pem").string() + ", require_client_cert: true}"));
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.port()) + "/health";
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "000");
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string(), "--cert", path("client.pem").string(),
                       "--key", path("client.key").string()}),
            "200");
  // A certificate from another CA is refused.
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string(), "--cert", path("server2.pem").string(),
                       "--key", path("server2.key").string()}),
            "000");
  EXPECT_TRUE(daemon.running());
}

TEST_F(Tls, SighupLoadsANewCertificateForNewConnections) {
  DaemonProcess daemon(options("{cert_file: " + path("live.pem").string() +
                               ", key_file: " + path("live.key").string() + "}"));
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.port()) + "/health";
  ASSERT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "200");
  ASSERT_EQ(curl(url, {"--cacert", path("ca2.pem").string()}), "000");

  // A broken file on SIGHUP keeps the old certificate.
  std::ofstream(path("live.pem"), std::ios::trunc) << "not a certificate\n";
  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (daemon.output().find("TLS reload failed") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(daemon.output().find("TLS reload failed"), std::string::npos) << daemon.output();
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "200");

  fs::copy_file(path("server2.pem"), path("live.pem"), fs::copy_options::overwrite_existing);
  fs::copy_file(path("server2.key"), path("live.key"), fs::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
  std::string status = "000";
  while (status != "200" && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = curl(url, {"--cacert", path("ca2.pem").string()});
  }
  EXPECT_EQ(status, "200") << daemon.output();
  EXPECT_EQ(curl(url, {"--cacert", path("ca.pem").string()}), "000");
}

// Our client side against our server side: the SDK and throome-cli reach a daemon that
// requires TLS 1.2+, a client certificate and an API key, and each layer refuses on its own.
TEST_F(Tls, SdkAndCliTalkToTheDaemonOverMutualTlsWithAKey) {
  const std::string key = "tls-e2e-admin-key";
  DaemonProcess::Options o = options(
      "{cert_file: " + path("server.pem").string() + ", key_file: " + path("server.key").string() +
      ", ca_file: " + path("ca.pem").string() + ", require_client_cert: true}");
  o.config_yaml +=
      "auth:\n  enabled: true\n  api_keys:\n    - {name: root, role: admin, key_env: "
      "TLS_E2E_KEY}\n";
  o.env["TLS_E2E_KEY"] = key;
  DaemonProcess daemon(o);
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.port());

  client::ClientOptions good;
  good.server_url = url;
  good.token = key;
  good.tls.ca_file = path("ca.pem").string();
  good.tls.cert_file = path("client.pem").string();
  good.tls.key_file = path("client.key").string();
  {
    auto sdk = client::Client::create(good).value();
    auto created = sdk.create_cluster(nlohmann::json::parse(
        R"({"cluster_id":"tls-shop","name":"TLS shop","services":{"cache":{"type":"redis","host":"127.0.0.1","port":1}}})"));
    ASSERT_TRUE(created) << created.error().message();
    auto listed = sdk.list_clusters();
    ASSERT_TRUE(listed) << listed.error().message();
    EXPECT_NE(listed->dump().find("tls-shop"), std::string::npos) << listed->dump();
    EXPECT_EQ(sdk.connections_opened(), 1);  // one handshake, kept alive
  }

  auto refused = [&](client::ClientOptions opts) {
    auto result = client::Client::create(opts).value().list_clusters();
    EXPECT_FALSE(result);
    return result ? client::ClientError::Kind::protocol : result.error().kind();
  };
  client::ClientOptions no_cert = good;
  no_cert.tls.cert_file.clear();
  no_cert.tls.key_file.clear();
  EXPECT_EQ(refused(no_cert), client::ClientError::Kind::transport);
  client::ClientOptions other_ca = good;
  other_ca.tls.ca_file = path("ca2.pem").string();
  EXPECT_EQ(refused(other_ca), client::ClientError::Kind::transport);
  client::ClientOptions no_key = good;
  no_key.token.clear();
  {
    auto result = client::Client::create(no_key).value().list_clusters();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind(), client::ClientError::Kind::http);
    EXPECT_EQ(result.error().http_status(), 401);
  }

  const std::vector<std::string> cli_tls = {throome_cli_bin(),
                                            "--server",
                                            url,
                                            "--cacert",
                                            path("ca.pem").string(),
                                            "--client-cert",
                                            path("client.pem").string(),
                                            "--client-key",
                                            path("client.key").string(),
                                            "-o",
                                            "json"};
  auto cli = [&](std::vector<std::string> head, std::vector<std::string> args,
                 const std::map<std::string, std::string>& env) {
    head.insert(head.end(), args.begin(), args.end());
    return run_command(head, env);
  };
  const std::map<std::string, std::string> with_token = {{"THROOME_TOKEN", key}};
  auto shown = cli(cli_tls, {"get-cluster", "tls-shop"}, with_token);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\"tls-shop\""), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find(key), std::string::npos);  // the token is never printed

  auto wrong_ca = cli(
      {throome_cli_bin(), "--server", url, "--cacert", path("ca2.pem").string(), "--client-cert",
       path("client.pem").string(), "--client-key", path("client.key").string()},
      {"list-clusters"}, with_token);
  EXPECT_EQ(wrong_ca.exit_code, 3) << wrong_ca.out << wrong_ca.err;  // unreachable: TLS failed
  EXPECT_NE(wrong_ca.err.find("TLS"), std::string::npos) << wrong_ca.err;

  auto no_token = cli(cli_tls, {"list-clusters"}, {});
  EXPECT_EQ(no_token.exit_code, 4) << no_token.out << no_token.err;  // 401
  EXPECT_TRUE(daemon.running());
}

}  // namespace
}  // namespace throome::testing
