// The real `throome` binary on a free loopback port, driven over raw HTTP.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "support/process.hpp"

namespace throome::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSecret = "hunter2-very-secret";

const char* kSmallLimits = R"(
server:
  max_body_bytes: 64KiB
  max_header_bytes: 8KiB
gateway:
  max_connections: 50
)";

json cluster_body(const std::string& id, const std::string& name = "Shop") {
  return {{"name", name},
          {"config",
           {{"cluster_id", id},
            {"services",
             {{"cache",
               {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", 6379}, {"password", kSecret}}},
              {"db",
               {{"type", "postgres"},
                {"host", "127.0.0.1"},
                {"port", 5432},
                {"username", "app"},
                {"password", kSecret},
                {"database", "shop"}}}}}}}};
}

// One daemon for the whole binary: starting it per test would only cost time.
class AdminApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    o.config_yaml = kSmallLimits;
    daemon_ = new DaemonProcess(o);
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }

  static HttpResult call(const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return http_request(daemon_->port(), method, target, body, headers);
  }
  static fs::path clusters_dir() { return dir_->path() / "clusters"; }

  // Asserts a JSON error of the documented shape and returns it.
  static json expect_error(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    json body = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(body.is_object()) << r.body;
    if (!body.is_object()) return body;
    EXPECT_EQ(body.value("status", 0), status);
    EXPECT_EQ(body.value("code", ""), code);
    EXPECT_TRUE(body.contains("error") && body["error"].is_string());
    EXPECT_EQ(body.value("request_id", ""), r.header("x-request-id"));
    return body;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
TempDir* AdminApi::dir_ = nullptr;
DaemonProcess* AdminApi::daemon_ = nullptr;

TEST_F(AdminApi, ServiceInfoLivenessAndReadiness) {
  auto root = call("GET", "/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.json()["service"], "Throome Gateway");
  EXPECT_EQ(root.json()["status"], "running");
  for (const char* path : {"/health", "/api/v1/health"}) {
    auto h = call("GET", path);
    ASSERT_EQ(h.status, 200) << path;
    EXPECT_EQ(h.json()["status"], "healthy");
    const auto ts = h.json()["timestamp"].get<std::int64_t>();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_LE(std::abs(now - ts), 5);
  }
  auto ready = call("GET", "/readyz");
  ASSERT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["status"], "ready");
  EXPECT_EQ(ready.header("access-control-allow-origin"), "*");
}

TEST_F(AdminApi, CreateListGetServiceUpdateDeleteLifecycle) {
  auto created = call("POST", "/api/v1/clusters", cluster_body("life").dump());
  ASSERT_EQ(created.status, 201) << created.body;
  auto c = created.json();
  EXPECT_EQ(c["id"], "life");
  EXPECT_EQ(c["name"], "Shop");
  EXPECT_EQ(c["message"], "cluster created");
  EXPECT_EQ(created.header("location"), "/api/v1/clusters/life");
  ASSERT_EQ(c["services"].size(), 2u);
  EXPECT_EQ(c["services"][0]["name"], "cache");
  EXPECT_EQ(c["services"][0]["type"], "redis");
  EXPECT_EQ(c["services"][0]["port"], 6379);
  EXPECT_TRUE(c["services"][0].contains("healthy"));
  EXPECT_EQ(created.body.find(kSecret), std::string::npos);
  EXPECT_TRUE(fs::exists(clusters_dir() / "life" / "config.yaml"));

  auto list = call("GET", "/api/v1/clusters");
  ASSERT_EQ(list.status, 200);
  ASSERT_TRUE(list.json().is_array());
  bool found = false;
  for (const auto& item : list.json()) found = found || item["id"] == "life";
  EXPECT_TRUE(found);
  EXPECT_EQ(list.body.find(kSecret), std::string::npos);

  auto got = call("GET", "/api/v1/clusters/life");
  ASSERT_EQ(got.status, 200);
  auto g = got.json();
  EXPECT_EQ(g["config"]["services"]["db"]["password"], "********");
  EXPECT_EQ(g["config"]["services"]["db"]["username"], "app");
  EXPECT_EQ(g["config"]["routing"]["strategy"], "round_robin");
  EXPECT_EQ(got.body.find(kSecret), std::string::npos);

  auto svc = call("GET", "/api/v1/clusters/life/services/db");
  ASSERT_EQ(svc.status, 200);
  EXPECT_EQ(svc.json()["type"], "postgres");
  EXPECT_EQ(svc.json()["cluster_id"], "life");
  EXPECT_EQ(svc.body.find(kSecret), std::string::npos);

  // PUT what GET returned (password still redacted), renamed: the stored secret is kept.
  json put_body = g;
  put_body["name"] = "Renamed";
  auto put = call("PUT", "/api/v1/clusters/life", put_body.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["name"], "Renamed");
  std::ifstream in(clusters_dir() / "life" / "config.yaml");
  std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(file.find(kSecret), std::string::npos) << "the real secret stays on disk";
  EXPECT_NE(file.find("Renamed"), std::string::npos);

  auto del = call("DELETE", "/api/v1/clusters/life");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.json()["id"], "life");
  EXPECT_FALSE(fs::exists(clusters_dir() / "life"));
  expect_error(call("GET", "/api/v1/clusters/life"), 404, "not_found");
}

TEST_F(AdminApi, CreateAcceptsFlatJsonAndYamlBodies) {
  json flat = {{"name", "Flat"},
               {"cluster_id", "flat"},
               {"services", {{"q", {{"type", "kafka"}, {"host", "127.0.0.1"}, {"port", 9092}}}}}};
  auto a = call("POST", "/api/v1/clusters", flat.dump());
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json()["services"][0]["type"], "kafka");

  const std::string yaml =
      "cluster_id: from-yaml\nname: From YAML\nservices:\n  cache:\n    type: redis\n"
      "    host: 127.0.0.1\n    port: 6380\n    colour: blue\n";
  auto b = call("POST", "/api/v1/clusters", yaml, {{"Content-Type", "application/yaml"}});
  ASSERT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(b.json()["id"], "from-yaml");
  ASSERT_EQ(b.json()["warnings"].size(), 1u);
  EXPECT_EQ(b.json()["warnings"][0]["path"], "services.cache.colour");

  // Without an id one is generated from the name.
  json unnamed = {{"name", "Generated Id"},
                  {"services", {{"c", {{"type", "redis"}, {"host", "h"}, {"port", 1}}}}}};
  auto g = call("POST", "/api/v1/clusters", unnamed.dump());
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_EQ(g.json()["id"], "generated-id");

  EXPECT_EQ(call("DELETE", "/api/v1/clusters/flat").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/from-yaml").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/generated-id").status, 200);
}

TEST_F(AdminApi, ValidateChecksWithoutSaving) {
  auto before = snapshot_dir(clusters_dir());
  auto ok = call("POST", "/api/v1/clusters/validate", cluster_body("not-saved").dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["valid"], true);
  EXPECT_EQ(ok.body.find(kSecret), std::string::npos);
  auto bad = call("POST", "/api/v1/clusters/validate",
                  R"({"name":"x","services":{"db":{"type":"postgres","host":"h","port":0}}})");
  auto err = expect_error(bad, 400, "validation_failed");
  EXPECT_EQ(err["error"], "services.db.port: must be between 1 and 65535");
  ASSERT_TRUE(err["details"].is_array());
  EXPECT_EQ(err["details"][0]["path"], "services.db.port");
  // What create would refuse, validate refuses too: an unresolvable ${ENV} reference.
  auto env = call("POST", "/api/v1/clusters/validate",
                  R"({"name":"x","services":{"c":{"type":"redis","host":"h","port":1,)"
                  R"("password":"${THROOME_TEST_SURELY_UNSET}"}}})");
  auto env_err = expect_error(env, 400, "validation_failed");
  EXPECT_NE(env_err["error"].get<std::string>().find("THROOME_TEST_SURELY_UNSET"),
            std::string::npos);
  EXPECT_EQ(snapshot_dir(clusters_dir()), before);
}

TEST_F(AdminApi, FlatBodyAcceptsIdAndPutKeepsRedactedOptionSecrets) {
  json flat = {{"name", "Flat id"},
               {"id", "flat-id"},
               {"services",
                {{"q",
                  {{"type", "kafka"},
                   {"host", "127.0.0.1"},
                   {"port", 9092},
                   {"options", {{"sasl.password", "opt-secret-123"}}}}}}}};
  auto created = call("POST", "/api/v1/clusters", flat.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["id"], "flat-id");
  auto got = call("GET", "/api/v1/clusters/flat-id");
  EXPECT_EQ(got.body.find("opt-secret-123"), std::string::npos);
  auto put = call("PUT", "/api/v1/clusters/flat-id", got.body);
  ASSERT_EQ(put.status, 200) << put.body;
  std::ifstream in(clusters_dir() / "flat-id" / "config.yaml");
  std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(file.find("opt-secret-123"), std::string::npos) << file;
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/flat-id").status, 200);
}

struct BadRequestCase {
  std::string label;
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int status;
  std::string code;
  std::string error_contains;
};

TEST_F(AdminApi, EveryBadInputGetsAClearErrorAndChangesNothing) {
  ASSERT_EQ(call("POST", "/api/v1/clusters", cluster_body("existing").dump()).status, 201);
  const auto before = snapshot_dir(clusters_dir());
  std::string deep(200, '[');
  deep += std::string(200, ']');

  const std::vector<BadRequestCase> cases = {
      {"malformed json",
       "POST",
       "/api/v1/clusters",
       "{\"name\": ",
       {},
       400,
       "invalid_json",
       "malformed JSON"},
      {"json array", "POST", "/api/v1/clusters", "[1,2]", {}, 400, "bad_request", "JSON object"},
      {"empty body", "POST", "/api/v1/clusters", "", {}, 400, "bad_request", "body is required"},
      {"wrong type name",
       "POST",
       "/api/v1/clusters",
       R"({"name": 5, "services": {"c": {"type":"redis","host":"h","port":1}}})",
       {},
       400,
       "validation_failed",
       "name: must be a string"},
      {"missing services",
       "POST",
       "/api/v1/clusters",
       R"({"name": "x"})",
       {},
       400,
       "validation_failed",
       "services: is required"},
      {"yaml wrong types",
       "POST",
       "/api/v1/clusters",
       "name: x\nservices:\n  c: {type: redis, host: h, port: abc}\n",
       {{"Content-Type", "application/yaml"}},
       400,
       "validation_failed",
       "services.c.port: must be an integer"},
      {"yaml syntax",
       "POST",
       "/api/v1/clusters",
       "name: [x\n",
       {{"Content-Type", "application/yaml"}},
       400,
       "invalid_json",
       "line"},
      {"path traversal id",
       "POST",
       "/api/v1/clusters",
       R"({"name":"x","cluster_id":"../x","services":{"c":{"type":"redis","host":"h","port":1}}})",
       {},
       400,
       "validation_failed",
       "cluster_id: must match"},
      {"unsupported type",
       "POST",
       "/api/v1/clusters",
       R"({"name":"x","services":{"m":{"type":"mongodb","host":"h","port":1}}})",
       {},
       400,
       "validation_failed",
       "unsupported service type \"mongodb\""},
      {"duplicate",
       "POST",
       "/api/v1/clusters",
       cluster_body("existing").dump(),
       {},
       409,
       "conflict",
       "already exists"},
      {"deep nesting", "POST", "/api/v1/clusters", deep, {}, 400, "invalid_json", "deeper"},
      {"invalid utf-8",
       "POST",
       "/api/v1/clusters",
       "{\"name\": \"\xff\xfe\"}",
       {},
       400,
       "invalid_json",
       "malformed JSON"},
      {"unsupported media type",
       "POST",
       "/api/v1/clusters",
       "<html/>",
       {{"Content-Type", "text/html"}},
       415,
       "unsupported_media_type",
       "text/html"},
      {"oversize body",
       "POST",
       "/api/v1/clusters",
       std::string(70 * 1024, 'x'),
       {},
       413,
       "payload_too_large",
       "too large"},
      {"unknown route", "GET", "/api/v1/nothing", "", {}, 404, "not_found", "no route"},
      {"wrong method",
       "PATCH",
       "/api/v1/clusters/existing",
       "{}",
       {},
       405,
       "method_not_allowed",
       "not allowed"},
      {"unknown cluster get",
       "GET",
       "/api/v1/clusters/nope",
       "",
       {},
       404,
       "not_found",
       "\"nope\" not found"},
      {"unknown cluster put",
       "PUT",
       "/api/v1/clusters/nope",
       cluster_body("nope").dump(),
       {},
       404,
       "not_found",
       "not found"},
      {"unknown cluster delete",
       "DELETE",
       "/api/v1/clusters/nope",
       "",
       {},
       404,
       "not_found",
       "not found"},
      {"traversal in url",
       "DELETE",
       "/api/v1/clusters/..%2F..%2Fetc",
       "",
       {},
       404,
       "not_found",
       "not found"},
      {"unknown service",
       "GET",
       "/api/v1/clusters/existing/services/nope",
       "",
       {},
       404,
       "not_found",
       "service \"nope\""},
      {"put id mismatch",
       "PUT",
       "/api/v1/clusters/existing",
       cluster_body("other").dump(),
       {},
       400,
       "bad_request",
       "does not match"},
      {"put invalid",
       "PUT",
       "/api/v1/clusters/existing",
       R"({"name":"x","services":{"c":{"type":"redis","host":"h","port":-1}}})",
       {},
       400,
       "validation_failed",
       "port"},
      {"bad escape", "GET", "/api/v1/clusters/%zz", "", {}, 400, "bad_request", "malformed"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.label);
    auto r = call(tc.method, tc.target, tc.body, tc.headers);
    auto body = expect_error(r, tc.status, tc.code);
    if (body.is_object()) {
      const std::string text = body["error"].get<std::string>() + " " + body["details"].dump();
      EXPECT_NE(text.find(tc.error_contains), std::string::npos) << text;
    }
  }
  EXPECT_EQ(call("PATCH", "/api/v1/clusters/existing", "{}").header("allow"),
            "GET, PUT, DELETE, HEAD");
  EXPECT_EQ(snapshot_dir(clusters_dir()), before) << "a rejected request changed the clusters dir";
  EXPECT_EQ(call("GET", "/api/v1/clusters/existing").json()["name"], "Shop");
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/existing").status, 200);
}

TEST_F(AdminApi, OversizeHeadersAnd431AndMalformedHttpIs400ThenClose) {
  std::string big =
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  auto responses = parse_responses(raw_exchange(daemon_->port(), big));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 431);
  EXPECT_EQ(responses[0].json()["code"], "header_too_large");

  auto garbage = parse_responses(raw_exchange(daemon_->port(), "NOT HTTP AT ALL\r\n\r\n"));
  ASSERT_EQ(garbage.size(), 1u);
  EXPECT_EQ(garbage[0].status, 400);
  EXPECT_EQ(garbage[0].header("connection"), "close");
  // The daemon keeps serving.
  EXPECT_EQ(call("GET", "/health").status, 200);
}

TEST_F(AdminApi, KeepAliveAnswersPipelinedRequestsInOrder) {
  std::string pipelined;
  for (int i = 0; i < 5; ++i) {
    pipelined += "GET /api/v1/clusters/missing-" + std::to_string(i) +
                 " HTTP/1.1\r\nHost: x\r\nX-Request-ID: req-" + std::to_string(i) + "\r\n\r\n";
  }
  pipelined += "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto responses = parse_responses(raw_exchange(daemon_->port(), pipelined));
  ASSERT_EQ(responses.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(responses[i].status, 404);
    EXPECT_EQ(responses[i].header("x-request-id"), "req-" + std::to_string(i));
    EXPECT_EQ(responses[i].json()["error"],
              "cluster \"missing-" + std::to_string(i) + "\" not found");
  }
  EXPECT_EQ(responses[5].status, 200);
}

TEST_F(AdminApi, ExpectContinueUploadIsAccepted) {
  const std::string body = cluster_body("continued").dump();
  const std::string req =
      "POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  auto raw = raw_exchange(daemon_->port(), req);
  EXPECT_EQ(raw.rfind("HTTP/1.1 100 Continue", 0), 0u) << raw.substr(0, 80);
  auto responses = parse_responses(raw);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 201);
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/continued").status, 200);
}

TEST_F(AdminApi, SighupReloadsTheClustersDir) {
  fs::create_directories(clusters_dir() / "hup");
  std::ofstream(clusters_dir() / "hup" / "config.yaml")
      << "name: Added by hand\nservices:\n  c: {type: redis, host: 127.0.0.1, port: 6379}\n";
  ::kill(daemon_->pid(), SIGHUP);
  // Await the reload (it runs on the admin pool) rather than sleeping a fixed time.
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    status = call("GET", "/api/v1/clusters/hup").status;
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status, 200);
  EXPECT_EQ(call("GET", "/api/v1/clusters/hup").json()["name"], "Added by hand");
  EXPECT_EQ(call("DELETE", "/api/v1/clusters/hup").status, 200);
}

TEST(AdminApiLifecycle, ClustersSurviveARestart) {
  TempDir dir;
  DaemonProcess::Options o;
  o.clusters_dir = dir.path() / "clusters";
  DaemonProcess d(o);
  ASSERT_EQ(
      http_request(d.port(), "POST", "/api/v1/clusters", cluster_body("durable").dump()).status,
      201);
  auto before = http_request(d.port(), "GET", "/api/v1/clusters/durable").json();
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.output();
  d.restart();
  auto after = http_request(d.port(), "GET", "/api/v1/clusters/durable");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.json(), before);
  EXPECT_EQ(d.output().find(kSecret), std::string::npos) << "a secret reached the log";
}

TEST(AdminApiLifecycle, BrokenClusterFileIsSkippedLoggedAndKept) {
  TempDir dir;
  const auto clusters = dir.path() / "clusters";
  fs::create_directories(clusters / "broken");
  const std::string text = "name: Broken\nservices:\n  c: {type: redis, host: h, port: 99999}\n";
  std::ofstream(clusters / "broken" / "config.yaml") << text;
  fs::create_directories(clusters / "fine");
  std::ofstream(clusters / "fine" / "config.yaml")
      << "name: Fine\nservices:\n  c: {type: redis, host: h, port: 1}\n";
  DaemonProcess::Options o;
  o.clusters_dir = clusters;
  DaemonProcess d(o);
  EXPECT_EQ(http_request(d.port(), "GET", "/api/v1/clusters/fine").status, 200);
  EXPECT_EQ(http_request(d.port(), "GET", "/api/v1/clusters/broken").status, 404);
  auto ready = http_request(d.port(), "GET", "/readyz").json();
  ASSERT_EQ(ready["skipped_clusters"].size(), 1u);
  EXPECT_EQ(ready["skipped_clusters"][0]["file"], "broken");
  EXPECT_EQ(ready["skipped_clusters"][0]["reason"], "services.c.port: must be between 1 and 65535");
  EXPECT_NE(d.output().find("services.c.port: must be between 1 and 65535"), std::string::npos);
  std::ifstream in(clusters / "broken" / "config.yaml");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), text);
}

TEST(AdminApiLifecycle, BadConfigFileStopsStartupNamingFileKeyAndReason) {
  TempDir dir;
  const auto cfg = dir.path() / "bad.yaml";
  std::ofstream(cfg) << "server:\n  port: 70000\n";
  auto r = run_command(
      {throome_bin(), "--config", cfg.string(), "--clusters-dir", (dir.path() / "c").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(cfg.string() + ": server.port: must be between 0 and 65535"),
            std::string::npos)
      << r.err;

  auto env_bad = run_command({throome_bin(), "--check-config"}, {{"THROOME_PORT", "nope"}});
  EXPECT_EQ(env_bad.exit_code, 2);
  EXPECT_NE(env_bad.err.find("THROOME_PORT"), std::string::npos) << env_bad.err;

  auto ok = run_command({throome_bin(), "--check-config", "--port", "9100"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  auto usage = run_command({throome_bin(), "--port", "abc"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  auto unknown = run_command({throome_bin(), "--no-such-flag"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
}

TEST(AdminApiLifecycle, SigtermClosesIdleConnectionsAndExitsCleanly) {
  TempDir dir;
  DaemonProcess::Options o;
  o.clusters_dir = dir.path() / "clusters";
  DaemonProcess d(o);
  // An idle keep-alive connection must not hold up shutdown. It is proven accepted (one
  // answered request) before the signal: a connection attempted from another thread could
  // otherwise race the closing listener and be refused.
  HttpConnection idle(d.port());
  ASSERT_EQ(idle.request("GET", "/health").status, 200);
  EXPECT_EQ(http_request(d.port(), "GET", "/health").status, 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_NE(d.output().find("throome stopped"), std::string::npos);
}

TEST(AdminApiLifecycle, ConnectionsOverTheLimitAreRefusedCleanly) {
  TempDir dir;
  DaemonProcess::Options o;
  o.clusters_dir = dir.path() / "clusters";
  o.config_yaml = "gateway:\n  max_connections: 2\n";
  DaemonProcess d(o);
  // Two keep-alive connections, each proven accepted by one answered request, stay open.
  auto first = std::make_unique<HttpConnection>(d.port());
  auto second = std::make_unique<HttpConnection>(d.port());
  ASSERT_EQ(first->request("GET", "/health").status, 200);
  ASSERT_EQ(second->request("GET", "/health").status, 200);

  auto third = http_request(d.port(), "GET", "/health");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.json()["code"], "overloaded");
  EXPECT_EQ(third.header("retry-after"), "1");
  // The established connections are unharmed.
  EXPECT_EQ(first->request("GET", "/health").status, 200);

  // Once one goes away, new connections are served again (the server notices the close
  // asynchronously: await it).
  first.reset();
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && status != 200) {
    status = http_request(d.port(), "GET", "/health").status;
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(second->request("GET", "/health").status, 200);
}

}  // namespace
}  // namespace throome::testing
