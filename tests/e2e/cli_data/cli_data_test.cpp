// throome-cli's data commands end to end: the real CLI binary against the real daemon in
// front of a real redis-server, PostgreSQL and Kafka-protocol broker; redis-cli, psql and
// kcat check what landed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

#include "support/data_stack.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;

constexpr const char* kToken = "cli-secret-41ab";

std::string unique(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(++n);
}

class CliData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new DataStack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  /// throome-cli with --server, the cluster and the token from the environment.
  static CommandResult cli(std::vector<std::string> args, const std::string& stdin_data = "") {
    std::vector<std::string> argv{throome_cli_bin(), "--server", stack_->url()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(
        argv, {{"THROOME_CLUSTER", DataStack::kCluster}, {"THROOME_TOKEN", kToken}}, stdin_data);
    // The token is never printed, whatever happened.
    EXPECT_EQ(r.out.find(kToken), std::string::npos);
    EXPECT_EQ(r.err.find(kToken), std::string::npos);
    return r;
  }

  static DataStack* stack_;
};
DataStack* CliData::stack_ = nullptr;

TEST_F(CliData, CacheSetGetDel) {
  const auto key = unique("cli:greeting");
  auto set = cli({"cache", "set", key, "hello world", "--ttl", "300"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "OK\n");
  EXPECT_EQ(stack_->redis().cli({"GET", key}), "hello world");
  const int ttl = std::stoi(stack_->redis().cli({"TTL", key}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);

  auto get = cli({"cache", "get", key});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "hello world\n");
  EXPECT_EQ(get.err, "");

  auto get_json = cli({"cache", "get", key, "-o", "json"});
  ASSERT_EQ(get_json.exit_code, 0) << get_json.err;
  EXPECT_EQ(json::parse(get_json.out),
            json({{"key", key}, {"found", true}, {"value", "hello world"}}));

  auto del = cli({"-o", "json", "cache", "del", key, unique("cli:absent")});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(json::parse(del.out), json({{"deleted", 1}}));
  EXPECT_EQ(stack_->redis().cli({"EXISTS", key}), "0");

  auto missing = cli({"cache", "get", key});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, "throome-cli: key \"" + key + "\" not found in cluster \"demo\"\n");
}

TEST_F(CliData, CacheSetReadsBinaryFromStdin) {
  const auto key = unique("cli:bin");
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  auto set = cli({"cache", "set", key, "-"}, bytes);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(stack_->redis().cli({"STRLEN", key}), "256");
  auto get = cli({"cache", "get", key});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, bytes + "\n");
  auto get_json = cli({"cache", "get", key, "-o", "json"});
  ASSERT_EQ(get_json.exit_code, 0) << get_json.err;
  EXPECT_TRUE(json::parse(get_json.out)["value"].contains("base64")) << get_json.out;
}

TEST_F(CliData, DbQueryPrintsATableOrJson) {
  const auto table = unique("cli_items");
  std::string sql_table = table;
  std::replace(sql_table.begin(), sql_table.end(), '-', '_');
  auto create =
      cli({"db", "exec", "CREATE TABLE " + sql_table + " (id int, name text, note text)"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  auto insert =
      cli({"db", "exec", "INSERT INTO " + sql_table + " VALUES (1, 'apple', NULL), (2, $1, 'x')",
           "--arg", "banana split"});
  ASSERT_EQ(insert.exit_code, 0) << insert.err;
  EXPECT_EQ(insert.out, "INSERT 2\n");
  EXPECT_EQ(stack_->postgres().psql("SELECT count(*) FROM " + sql_table), "2");

  auto query = cli({"db", "query", "SELECT id, name, note FROM " + sql_table + " ORDER BY id"});
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_EQ(query.out,
            "id  name          note\n"
            "1   apple         NULL\n"
            "2   banana split  x\n"
            "(2 rows)\n");

  auto as_json = cli({"db", "query", "SELECT id, name FROM " + sql_table + " WHERE id = $1", "-a",
                      "2", "-o", "json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  auto doc = json::parse(as_json.out);
  EXPECT_EQ(doc["rows"], json::array({{{"id", 2}, {"name", "banana split"}}}));
  EXPECT_EQ(doc["row_count"], 1);
  EXPECT_EQ(doc["columns"][0]["name"], "id");

  auto bad = cli({"db", "query", "SELEC nonsense"});
  EXPECT_EQ(bad.exit_code, 4);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err.rfind("throome-cli: ", 0), 0u) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST_F(CliData, QueuePublishAndTail) {
  const auto topic = unique("cli-events");
  auto first =
      cli({"queue", "publish", topic, "first", "--key", "k1", "-H", "trace=abc", "-o", "json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto published = json::parse(first.out);
  EXPECT_EQ(published["topic"], topic);
  EXPECT_EQ(published["offset"], 0);
  const int partition = published["partition"];

  // Tail from the start in the background; the second message is published while it runs,
  // and it exits after two records.
  CommandResult tail;
  std::thread tailer([&] {
    tail = cli({"queue", "tail", topic, "--from", "earliest", "--count", "2", "-o", "json"});
  });
  auto second =
      cli({"queue", "publish", topic, "second", "--partition", std::to_string(partition)});
  tailer.join();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out,
            "published to " + topic + " partition " + std::to_string(partition) + " offset 1\n");
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  std::vector<json> lines;
  std::istringstream in(tail.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u) << tail.out;
  EXPECT_EQ(lines[0]["value"], "first");
  EXPECT_EQ(lines[0]["key"], "k1");
  EXPECT_EQ(lines[0]["headers"][0], json({{"name", "trace"}, {"value", "abc"}}));
  EXPECT_EQ(lines[1]["value"], "second");
  EXPECT_EQ(lines[1]["offset"], 1);

  auto records = kcat_consume(stack_->kafka().bootstrap(), topic);
  ASSERT_EQ(records.size(), 2u);

  // Table output, ending when the topic is idle.
  auto table = cli({"queue", "tail", topic, "--from", "earliest", "--idle", "1.5"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out, std::to_string(partition) + ":0  k1  first\n" + std::to_string(partition) +
                           ":1  -  second\n");
}

TEST_F(CliData, ErrorsAndUsage) {
  auto unknown = run_command({throome_cli_bin(), "--server", stack_->url(), "--cluster",
                              "no-such-cluster", "cache", "get", "k"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_EQ(unknown.err, "throome-cli: cluster \"no-such-cluster\" not found (404)\n");

  auto no_cluster =
      run_command({throome_cli_bin(), "--server", stack_->url(), "cache", "get", "k"});
  EXPECT_EQ(no_cluster.exit_code, 2);
  EXPECT_NE(no_cluster.err.find("--cluster"), std::string::npos) << no_cluster.err;

  auto bad_header = cli({"queue", "publish", "t", "m", "-H", "novalue"});
  EXPECT_EQ(bad_header.exit_code, 2);
  EXPECT_NE(bad_header.err.find("name=value"), std::string::npos) << bad_header.err;

  auto bad_topic = cli({"queue", "publish", "bad topic", "m"});
  EXPECT_EQ(bad_topic.exit_code, 4);
  EXPECT_NE(bad_topic.err.find("topic"), std::string::npos) << bad_topic.err;

  auto missing_sub = cli({"cache"});
  EXPECT_EQ(missing_sub.exit_code, 2);

  auto conflict = cli({"cache", "set", "k", "v", "--nx", "--xx"});
  EXPECT_EQ(conflict.exit_code, 2);

  auto unreachable = run_command({throome_cli_bin(), "--server",
                                  "http://127.0.0.1:" + std::to_string(free_loopback_port()),
                                  "--cluster", "demo", "queue", "tail", "t"});
  EXPECT_EQ(unreachable.exit_code, 3);
}

TEST_F(CliData, HelpListsTheDataCommands) {
  auto help = run_command({throome_cli_bin(), "--help"});
  ASSERT_EQ(help.exit_code, 0);
  for (const char* word : {"cache", "db", "queue", "--cluster", "--token", "THROOME_CLUSTER"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
  }
  auto tail_help = run_command({throome_cli_bin(), "queue", "tail", "--help"});
  ASSERT_EQ(tail_help.exit_code, 0);
  EXPECT_NE(tail_help.out.find("--from"), std::string::npos);
}

}  // namespace
}  // namespace throome::testing
