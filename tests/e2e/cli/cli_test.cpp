// throome-cli end to end: the real CLI binary against the real daemon (one per binary).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;

constexpr const char* kPlainPassword = "pl41n-t3xt-S3cret";

/// A loopback port on which nothing listens.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot bind a loopback socket";
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string cluster_yaml(const std::string& id, const std::string& name) {
  return "cluster_id: \"" + id + "\"\n" + "name: \"" + name + "\"\n" +
         "services:\n"
         "  cache:\n"
         "    type: redis\n"
         "    host: 127.0.0.1\n"
         "    port: 6390\n"
         "  db:\n"
         "    type: postgres\n"
         "    host: 127.0.0.1\n"
         "    port: 5499\n"
         "    username: app\n"
         "    password: \"" +
         std::string(kPlainPassword) +
         "\"\n"
         "    database: shop\n";
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::filesystem::create_directories(clusters_dir());
    DaemonProcess::Options options;
    options.clusters_dir = clusters_dir();
    daemon_ = new DaemonProcess(options);
  }

  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  static std::filesystem::path clusters_dir() { return dir_->path() / "clusters"; }

  /// Writes `text` to a file in the temp dir. @return its path.
  static std::string write_file(const std::string& name, const std::string& text) {
    const auto path = dir_->path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  /// Runs throome-cli against the daemon.
  static CommandResult cli(std::vector<std::string> args, const std::string& stdin_data = "") {
    std::vector<std::string> argv{throome_cli_bin(), "--server", daemon_->base_url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, stdin_data);
  }

  /// Runs throome-cli with exactly these arguments (no --server).
  static CommandResult cli_raw(std::vector<std::string> args, const std::string& stdin_data = "") {
    std::vector<std::string> argv{throome_cli_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, stdin_data);
  }

  static json list_json() {
    auto r = cli({"list-clusters", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }

  static bool listed(const std::string& id) {
    for (const auto& c : list_json()) {
      if (c.value("id", "") == id) return true;
    }
    return false;
  }

  static void create_from_yaml(const std::string& id) {
    auto r = cli({"create-cluster", "-f", write_file(id + ".yaml", cluster_yaml(id, "Shop"))});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
};

TempDir* CliTest::dir_ = nullptr;
DaemonProcess* CliTest::daemon_ = nullptr;

TEST_F(CliTest, HealthPrintsStatusAndVersion) {
  auto table = cli({"health"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.err, "");
  EXPECT_EQ(table.out,
            "STATUS:   healthy\nVERSION:  0.1.0\nSERVER:   " + daemon_->base_url() + "\n");

  auto as_json = cli({"health", "-o", "json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  auto doc = json::parse(as_json.out);
  EXPECT_EQ(doc["status"], "healthy");
  EXPECT_EQ(doc["version"], "0.1.0");
  EXPECT_TRUE(doc["timestamp"].is_number());
}

TEST_F(CliTest, CreatesAClusterFromFlags) {
  auto r = cli({"create-cluster", "--name", "Flags", "--id", "flags-01", "--service",
                "cache:redis:127.0.0.1:6390", "--service", "db:postgres:127.0.0.1:5499"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "created cluster \"flags-01\" (name \"Flags\", 2 services)\n");
  EXPECT_EQ(r.err, "");

  auto get = cli({"get-cluster", "flags-01", "-o", "json"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  auto cluster = json::parse(get.out);
  EXPECT_EQ(cluster["id"], "flags-01");
  EXPECT_EQ(cluster["name"], "Flags");
  const auto& services = cluster["config"]["services"];
  EXPECT_EQ(services["cache"]["type"], "redis");
  EXPECT_EQ(services["cache"]["host"], "127.0.0.1");
  EXPECT_EQ(services["cache"]["port"], 6390);
  EXPECT_EQ(services["db"]["type"], "postgres");
  EXPECT_EQ(services["db"]["port"], 5499);
}

TEST_F(CliTest, CreateAsJsonPrintsTheResponse) {
  auto r = cli({"-o", "json", "create-cluster", "--name", "Json", "--id", "json-01", "--service",
                "events:kafka:127.0.0.1:9099"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["id"], "json-01");
  EXPECT_EQ(doc["name"], "Json");
  EXPECT_EQ(doc["message"], "cluster created");
  ASSERT_TRUE(doc["services"].is_array());
  ASSERT_EQ(doc["services"].size(), 1u);
  EXPECT_EQ(doc["services"][0]["name"], "events");
  EXPECT_EQ(doc["services"][0]["type"], "kafka");
  EXPECT_EQ(r.out, doc.dump(2) + "\n");  // pretty-printed with 2 spaces, nothing else
}

TEST_F(CliTest, GeneratesAnIdWhenNoneIsGiven) {
  auto r = cli({"create-cluster", "--name", "Anon", "--service", "cache:redis:127.0.0.1:6390", "-o",
                "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = json::parse(r.out)["id"];
  EXPECT_FALSE(id.empty());
  EXPECT_TRUE(listed(id));
}

TEST_F(CliTest, CreatesAClusterFromAYamlFileAndKeepsThePasswordSecret) {
  const auto path = write_file("yaml-01.yaml", cluster_yaml("yaml-01", "From YAML"));
  auto r = cli({"create-cluster", "-f", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "created cluster \"yaml-01\" (name \"From YAML\", 2 services)\n");
  EXPECT_EQ(r.err, "");

  for (const char* format : {"table", "json", "yaml"}) {
    auto get = cli({"get-cluster", "yaml-01", "-o", format});
    ASSERT_EQ(get.exit_code, 0) << format << ": " << get.err;
    EXPECT_EQ(get.err, "") << format;
    EXPECT_EQ(get.out.find(kPlainPassword), std::string::npos) << format << ":\n" << get.out;
  }

  auto get = cli({"get-cluster", "yaml-01", "-o", "json"});
  auto cluster = json::parse(get.out);
  EXPECT_EQ(cluster["config"]["services"]["db"]["password"], "********");
  EXPECT_EQ(cluster["config"]["services"]["db"]["username"], "app");
  EXPECT_FALSE(cluster["config"]["services"]["cache"].contains("password"));

  auto yaml = cli({"get-cluster", "yaml-01", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("password: \"********\"\n"), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.out.find("id: yaml-01\n"), std::string::npos) << yaml.out;

  auto table = cli({"get-cluster", "yaml-01"});
  EXPECT_EQ(table.out.rfind("ID:        yaml-01\nNAME:      From YAML\nCREATED:   ", 0), 0u)
      << table.out;
  EXPECT_NE(table.out.find("\nSERVICE  TYPE      HOST       PORT  HEALTHY\n"
                           "cache    redis     127.0.0.1  6390  "),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("\ndb       postgres  127.0.0.1  5499  "), std::string::npos)
      << table.out;
}

TEST_F(CliTest, CreatesAClusterFromStdin) {
  auto r = cli({"create-cluster", "-f", "-"}, cluster_yaml("stdin-01", "Piped"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "created cluster \"stdin-01\" (name \"Piped\", 2 services)\n");
  EXPECT_TRUE(listed("stdin-01"));
}

TEST_F(CliTest, ListsClustersAsJsonAndAsATable) {
  create_from_yaml("list-01");
  create_from_yaml("list-02");

  const json clusters = list_json();
  ASSERT_TRUE(clusters.is_array());
  int found = 0;
  for (const auto& c : clusters) {
    if (c["id"] != "list-01" && c["id"] != "list-02") continue;
    ++found;
    EXPECT_EQ(c["name"], "Shop");
    EXPECT_TRUE(c["created_at"].is_string());
    ASSERT_EQ(c["services"].size(), 2u);
    for (const auto& s : c["services"]) {
      EXPECT_TRUE(s.contains("name") && s.contains("type") && s.contains("host") &&
                  s.contains("port"))
          << s;
      EXPECT_FALSE(s.contains("password")) << s;
    }
  }
  EXPECT_EQ(found, 2);

  auto table = cli({"list-clusters"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.err, "");
  EXPECT_EQ(table.out.rfind("ID", 0), 0u) << table.out;
  const auto header_end = table.out.find('\n');
  const std::string header = table.out.substr(0, header_end);
  EXPECT_NE(header.find("NAME"), std::string::npos);
  EXPECT_NE(header.find("SERVICES"), std::string::npos);
  EXPECT_NE(header.find("CREATED"), std::string::npos);
  // Aligned: the row of list-01 has its name where the NAME column starts.
  const auto row = table.out.find("\nlist-01 ");
  ASSERT_NE(row, std::string::npos) << table.out;
  EXPECT_EQ(table.out.substr(row + 1 + header.find("NAME"), 4), "Shop") << table.out;
  EXPECT_EQ(table.out.find(kPlainPassword), std::string::npos);
}

TEST_F(CliTest, ListAsYamlIsASequence) {
  create_from_yaml("yamllist-01");
  auto r = cli({"list-clusters", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("- ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("id: yamllist-01\n"), std::string::npos) << r.out;
}

TEST_F(CliTest, DeleteAsksAndAbortsOnAnythingButYes) {
  create_from_yaml("del-01");
  for (const std::string answer : {"n\n", "\n", "maybe\n", ""}) {
    auto r = cli({"delete-cluster", "del-01"}, answer);
    EXPECT_EQ(r.exit_code, 7) << answer;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "Delete cluster del-01? [y/N] \n"
              "throome-cli: aborted: cluster \"del-01\" was not deleted\n");
  }
  auto still = cli({"get-cluster", "del-01"});
  EXPECT_EQ(still.exit_code, 0) << still.err;

  auto yes = cli({"delete-cluster", "del-01"}, "y\n");
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "deleted cluster \"del-01\"\n");
  EXPECT_EQ(yes.err, "Delete cluster del-01? [y/N] \n");
  EXPECT_FALSE(listed("del-01"));
}

TEST_F(CliTest, DeleteWithYesDoesNotAsk) {
  create_from_yaml("del-02");
  auto r = cli({"delete-cluster", "del-02", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted cluster \"del-02\"\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(std::filesystem::exists(clusters_dir() / "del-02"));

  auto again = cli({"delete-cluster", "del-02", "--yes"});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(again.err, "throome-cli: cluster \"del-02\" not found (404)\n");
}

TEST_F(CliTest, DeleteAsJsonPrintsTheResponse) {
  create_from_yaml("del-03");
  auto r = cli({"delete-cluster", "del-03", "-y", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["id"], "del-03");
  EXPECT_EQ(doc["message"], "cluster deleted");
}

TEST_F(CliTest, DeleteOfAnUnknownClusterDoesNotPrompt) {
  auto r = cli({"delete-cluster", "never-was"}, "y\n");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "throome-cli: cluster \"never-was\" not found (404)\n");
}

TEST_F(CliTest, UnknownClusterExits4) {
  auto r = cli({"get-cluster", "nope"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "throome-cli: cluster \"nope\" not found (404)\n");

  auto as_json = cli({"get-cluster", "nope", "-o", "json"});
  EXPECT_EQ(as_json.exit_code, 4);
  EXPECT_EQ(as_json.out, "");  // nothing on stdout on failure, whatever the format
}

TEST_F(CliTest, DuplicateIdExits4AndChangesNothing) {
  create_from_yaml("dup-01");
  const auto before = snapshot_dir(clusters_dir());
  auto r = cli({"create-cluster", "--name", "Again", "--id", "dup-01", "--service",
                "cache:redis:127.0.0.1:6390"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "throome-cli: cluster \"dup-01\" already exists (409)\n");
  EXPECT_EQ(snapshot_dir(clusters_dir()), before);
}

TEST_F(CliTest, InvalidConfigIsRejectedByTheDaemonWithTheFieldPath) {
  const auto before = snapshot_dir(clusters_dir());
  std::string yaml = cluster_yaml("bad-01", "Bad");
  yaml.replace(yaml.find("port: 6390"), 10, "port: 70000");
  auto r = cli({"create-cluster", "-f", write_file("bad-01.yaml", yaml)});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("throome-cli: validation failed (400): services.cache.port: ", 0), 0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(snapshot_dir(clusters_dir()), before);
  EXPECT_FALSE(listed("bad-01"));
}

TEST_F(CliTest, MalformedServiceIsAUsageError) {
  const auto before = snapshot_dir(clusters_dir());
  auto r = cli({"create-cluster", "--name", "X", "--id", "malformed-01", "--service",
                "cache:redis:127.0.0.1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "throome-cli: invalid service \"cache:redis:127.0.0.1\": expected name:type:host:port "
            "(e.g. cache:redis:127.0.0.1:6379)\n");

  auto bad_type = cli({"create-cluster", "--name", "X", "--service", "c:memcached:h:1"});
  EXPECT_EQ(bad_type.exit_code, 2);
  EXPECT_EQ(bad_type.err,
            "throome-cli: invalid service \"c:memcached:h:1\": unknown type \"memcached\" "
            "(expected redis, postgres or kafka)\n");
  EXPECT_EQ(snapshot_dir(clusters_dir()), before);
}

TEST_F(CliTest, UsageErrorsExit2WithOneLine) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{},
                                               {"frobnicate"},
                                               {"get-cluster"},
                                               {"list-clusters", "--bogus"},
                                               {"-o", "xml", "list-clusters"},
                                               {"--timeout", "0", "health"},
                                               {"create-cluster", "--name", "X"},
                                               {"create-cluster", "-f", "x.yaml", "--name", "X"}}) {
    auto r = cli(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << r.err;
    EXPECT_EQ(r.out, "") << joined;
    EXPECT_EQ(r.err.rfind("throome-cli: ", 0), 0u) << joined << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << joined << r.err;
  }
  auto missing = cli({"create-cluster", "--name", "X"});
  EXPECT_EQ(missing.err,
            "throome-cli: create-cluster needs --name and at least one --service, or -f FILE\n");
}

TEST_F(CliTest, HttpsToAPlainHttpDaemonFailsTheHandshake) {
  // The daemon here speaks plain HTTP: the TLS handshake fails, nothing is sent in clear.
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon_->port());
  auto r = cli_raw({"--server", url, "--token", "never-in-clear", "health"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("throome-cli: TLS handshake with " + url + " failed: ", 0), 0u) << r.err;
  EXPECT_EQ(daemon_->output().find("never-in-clear"), std::string::npos);

  auto missing_ca = cli_raw({"--server", url, "--cacert", "/nonexistent/ca.pem", "health"});
  EXPECT_EQ(missing_ca.exit_code, 2);
}

TEST_F(CliTest, HelpAndVersionSucceed) {
  auto help = cli_raw({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Exit codes:"), std::string::npos);
  EXPECT_NE(help.out.find("7  aborted at the confirmation prompt"), std::string::npos);
  EXPECT_NE(help.out.find("create-cluster"), std::string::npos);

  auto version = cli_raw({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("throome-cli 0.1.0 (commit ", 0), 0u) << version.out;
}

TEST_F(CliTest, UnreachableServerExits3) {
  const auto port = closed_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  for (const char* command : {"list-clusters", "health"}) {
    auto r = cli_raw({"--server", url, command});
    EXPECT_EQ(r.exit_code, 3) << command;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "throome-cli: cannot reach " + url + ": Connection refused\n");
  }
  auto get = cli_raw({"--server", url, "get-cluster", "x", "-o", "json"});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_EQ(get.out, "");
}

TEST_F(CliTest, SilentServerTimesOutWithExit3) {
  // A listening socket that never accepts: the connection is made, no answer ever comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  auto r = cli_raw({"--server", url, "--timeout", "0.3", "list-clusters"});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "throome-cli: no answer from " + url + " within 300ms\n");
}

TEST_F(CliTest, ServerComesFromTheEnvironment) {
  auto r = run_command({throome_cli_bin(), "health", "-o", "json"},
                       {{"THROOME_SERVER", daemon_->base_url()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["status"], "healthy");
}

TEST_F(CliTest, UnresolvableHostExits3) {
  auto r = cli_raw({"--server", "http://no-such-host.invalid:9000", "--timeout", "5", "health"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("throome-cli: cannot reach http://no-such-host.invalid:9000: ", 0), 0u)
      << r.err;
}

TEST_F(CliTest, ValidateConfigAcceptsAGoodFileWithoutADaemon) {
  const auto path = write_file("good.yaml", cluster_yaml("good-01", "Good"));
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(closed_port());
  auto r = cli_raw({"--server", nowhere, "validate-config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, path + ": valid\n");
  EXPECT_EQ(r.err, "");

  auto as_json = cli_raw({"validate-config", path, "-o", "json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  auto doc = json::parse(as_json.out);
  EXPECT_EQ(doc["valid"], true);
  EXPECT_EQ(doc["cluster_id"], "good-01");
  EXPECT_EQ(doc["warnings"], json::array());
}

TEST_F(CliTest, ValidateConfigReportsUnknownKeysAsWarnings) {
  std::string yaml = cluster_yaml("warn-01", "Warn");
  yaml += "colour: blue\n";
  const auto path = write_file("warn.yaml", yaml);
  auto r = cli_raw({"validate-config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(path + ": valid\n" + path + ": warning: colour: ", 0), 0u) << r.out;
}

TEST_F(CliTest, ValidateConfigNamesTheFieldPathOfEachIssue) {
  std::string yaml = cluster_yaml("invalid-01", "Invalid");
  yaml.replace(yaml.find("port: 5499"), 10, "port: 70000");
  const auto path = write_file("invalid.yaml", yaml);
  auto r = cli_raw({"validate-config", path});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(path + ": services.db.port: ", 0), 0u) << r.err;
  const std::string last_line =
      "throome-cli: " + path + " is not a valid cluster config (1 issue)\n";
  ASSERT_GE(r.err.size(), last_line.size());
  EXPECT_EQ(r.err.substr(r.err.size() - last_line.size()), last_line) << r.err;
}

TEST_F(CliTest, ValidateConfigReportsSyntaxErrors) {
  const auto path = write_file("syntax.yaml", "name: [unclosed\n");
  auto r = cli_raw({"validate-config", path});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(path + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\nthroome-cli: " + path + " is not a valid cluster config"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, UnreadableFilesExit6) {
  const std::string missing = (dir_->path() / "missing.yaml").string();
  auto validate = cli_raw({"validate-config", missing});
  EXPECT_EQ(validate.exit_code, 6);
  EXPECT_EQ(validate.out, "");
  EXPECT_EQ(validate.err, "throome-cli: cannot read " + missing + ": No such file or directory\n");

  auto create = cli({"create-cluster", "-f", missing});
  EXPECT_EQ(create.exit_code, 6);
  EXPECT_EQ(create.err, "throome-cli: cannot read " + missing + ": No such file or directory\n");

  auto directory = cli({"create-cluster", "-f", dir_->path().string()});
  EXPECT_EQ(directory.exit_code, 6);
  EXPECT_EQ(directory.err,
            "throome-cli: cannot read " + dir_->path().string() + ": is a directory\n");
}

}  // namespace
}  // namespace throome::testing
