// Named SQL statements (`statements:`), the db API policy (`db:`) and postgres service options:
// parsing, validation with field paths, serialization round trip, and the $n scanner.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "throome/config/cluster_codec.hpp"
#include "unit/config/cluster_test_util.hpp"

namespace throome::config {
namespace {

using nlohmann::json;
using test_util::base_cluster_json;
using test_util::fails_with;

constexpr const char* kYaml = R"(
name: Shop
services:
  db: {type: postgres, host: 127.0.0.1, port: 5432,
       options: {statement_cache_size: 64, max_waiting: 100, application_name: shop}}
statements:
  user_by_id:
    sql: SELECT id, name FROM users WHERE id = $1
    read_only: true
    timeout_ms: 250
  add_user:
    sql: |
      INSERT INTO users (name, email)
      VALUES ($1, $2) RETURNING id
db:
  allow_raw_sql: false
)";

TEST(ClusterStatements, ParsesStatementsInFileOrderAndTheDbPolicy) {
  auto parsed = parse_cluster_yaml(kYaml);
  ASSERT_TRUE(parsed) << parsed.error().message() << parsed.error().details().dump();
  const auto& c = parsed->config;
  ASSERT_EQ(c.statements.size(), 2u);
  EXPECT_EQ(c.statements[0].name, "user_by_id");
  EXPECT_EQ(c.statements[0].sql, "SELECT id, name FROM users WHERE id = $1");
  EXPECT_TRUE(c.statements[0].read_only);
  EXPECT_EQ(c.statements[0].timeout_ms, 250);
  EXPECT_EQ(c.statements[1].name, "add_user");
  EXPECT_EQ(c.statements[1].sql, "INSERT INTO users (name, email)\nVALUES ($1, $2) RETURNING id\n");
  EXPECT_FALSE(c.statements[1].read_only);
  EXPECT_FALSE(c.statements[1].timeout_ms.has_value());
  EXPECT_FALSE(c.db.allow_raw_sql);
  EXPECT_EQ(c.find_statement("add_user"), &c.statements[1]);
  EXPECT_EQ(c.find_statement("nope"), nullptr);
  EXPECT_TRUE(parsed->warnings.empty()) << test_util::describe(parsed->warnings);
}

TEST(ClusterStatements, DefaultsAllowRawSqlAndNoStatements) {
  auto parsed = parse_cluster_json(base_cluster_json());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->config.db.allow_raw_sql);
  EXPECT_TRUE(parsed->config.statements.empty());
}

json with(const std::string& pointer, json value) {
  json doc = base_cluster_json();
  doc["statements"] = {{"get", {{"sql", "SELECT $1::int"}}}};
  doc[json::json_pointer(pointer)] = std::move(value);
  return doc;
}

TEST(ClusterStatements, EveryRuleNamesItsField) {
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements", json::array())), "statements",
                         "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get", "SELECT 1")), "statements.get",
                         "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/sql", "  \n")),
                         "statements.get.sql", "is required"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/sql", 5)), "statements.get.sql",
                         "must be a string"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/sql", "SELECT $1, $3")),
                         "statements.get.sql",
                         "uses $3 but not $2 (parameters are numbered $1, $2, ... without gaps)"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/sql", std::string(65'537, 'x'))),
                         "statements.get.sql", "must be at most 65536 bytes"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/read_only", "yes")),
                         "statements.get.read_only", "must be a boolean"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/timeout_ms", 0)),
                         "statements.get.timeout_ms", "must be between 1 and 600000"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/bad name", {{"sql", "SELECT 1"}})),
                         "statements.bad name",
                         "statement name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/db", true)), "db", "must be a mapping"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/db/allow_raw_sql", "no")), "db.allow_raw_sql",
                         "must be a boolean"));
  EXPECT_TRUE(fails_with(parse_cluster_json(with("/statements/get/sql", std::string("a\0b", 3))),
                         "statements.get.sql", "must not contain NUL characters"));

  json no_postgres = with("/services/db/type", "redis");
  EXPECT_TRUE(
      fails_with(parse_cluster_json(no_postgres), "statements", "requires a postgres service"));
}

TEST(ClusterStatements, UnknownKeysAreWarningsAndRawSqlOffWithoutStatementsIsReported) {
  json doc = with("/statements/get/params", json::array());
  doc["db"] = {{"allow_raw_sql", true}, {"extra", 1}};
  auto parsed = parse_cluster_json(doc);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->warnings.size(), 2u) << test_util::describe(parsed->warnings);
  EXPECT_EQ(parsed->warnings[0].path, "statements.get.params");
  EXPECT_EQ(parsed->warnings[1].path, "db.extra");

  json locked = base_cluster_json();
  locked["db"] = {{"allow_raw_sql", false}};
  auto parsed_locked = parse_cluster_json(locked);
  ASSERT_TRUE(parsed_locked);
  ASSERT_EQ(parsed_locked->warnings.size(), 1u);
  EXPECT_EQ(parsed_locked->warnings[0].path, "db.allow_raw_sql");
}

TEST(ClusterStatements, PostgresOptionsAreChecked) {
  json doc = base_cluster_json();
  doc["services"]["db"]["options"] = {{"statement_cache_size", -1}};
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "services.db.options.statement_cache_size",
                         "must be an integer between 0 and 10000"));
  doc["services"]["db"]["options"] = {{"max_waiting", "many"}};
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "services.db.options.max_waiting",
                         "must be an integer between 0 and 1000000"));
  doc["services"]["db"]["options"] = {{"pipeline_depth", 1025}};
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "services.db.options.pipeline_depth",
                         "must be an integer between 0 and 1024"));
  doc["services"]["db"]["options"] = {{"pipeline_depth", 0}};
  EXPECT_TRUE(parse_cluster_json(doc));
  doc["services"]["db"]["options"] = {{"application_name", std::string(64, 'a')}};
  EXPECT_TRUE(fails_with(parse_cluster_json(doc), "services.db.options.application_name",
                         "must be a string of at most 63 bytes"));
}

TEST(ClusterStatements, RoundTripThroughYamlAndShowInJson) {
  auto parsed = parse_cluster_yaml(kYaml);
  ASSERT_TRUE(parsed);
  ClusterConfig c = parsed->config;
  c.statements.push_back({"tricky", "SELECT '$1 # : \"x\"' || $1 -- yes: no\n", false, 1});
  const std::string yaml = to_yaml(c);
  auto again = parse_cluster_yaml(yaml);
  ASSERT_TRUE(again) << again.error().message() << "\n" << yaml;
  EXPECT_EQ(again->config, c) << yaml;
  EXPECT_EQ(to_yaml(again->config), yaml);

  const json j = to_json(c);
  EXPECT_EQ(j["db"], json::parse(R"({"allow_raw_sql": false})"));
  EXPECT_EQ(j["statements"]["user_by_id"],
            json::parse(R"({"sql": "SELECT id, name FROM users WHERE id = $1",
                            "read_only": true, "timeout_ms": 250})"));
  EXPECT_TRUE(j["statements"]["add_user"]["timeout_ms"].is_null());

  // Defaults are not written to the file.
  auto minimal = parse_cluster_json(base_cluster_json());
  ASSERT_TRUE(minimal);
  const std::string plain = to_yaml(minimal->config);
  EXPECT_EQ(plain.find("statements"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("allow_raw_sql"), std::string::npos) << plain;
}

TEST(SqlPlaceholders, CountsParametersOutsideLiteralsAndComments) {
  EXPECT_EQ(scan_placeholders("SELECT 1").max, 0);
  EXPECT_EQ(scan_placeholders("SELECT $1, $2").max, 2);
  EXPECT_EQ(scan_placeholders("SELECT $2, $1, $2").max, 2);
  EXPECT_EQ(scan_placeholders("SELECT $10").max, 10);
  EXPECT_EQ(scan_placeholders("SELECT $10").first_gap, 1);
  EXPECT_EQ(scan_placeholders("SELECT $1, '$2', \"$3\", E'\\'$4', 'it''s $5'").max, 1);
  EXPECT_EQ(scan_placeholders("SELECT $1 -- $2\n, /* $3 /* $4 */ $5 */ $2").max, 2);
  EXPECT_EQ(scan_placeholders("SELECT $$ $3 $$, $tag$ $4 $tag$, $1").max, 1);
  EXPECT_EQ(scan_placeholders("SELECT a$1 FROM t").max, 0);  // part of an identifier
  EXPECT_EQ(scan_placeholders("SELECT $1, $3").first_gap, 2);
  EXPECT_EQ(scan_placeholders("SELECT $1, $2").first_gap, 0);
  EXPECT_EQ(scan_placeholders("SELECT 'unterminated $1").max, 0);
}

}  // namespace
}  // namespace throome::config
