// The libpq pool client against a real PostgreSQL 15 server; psql over the unix socket is the
// independent peer that checks what actually happened on the server.
#include "throome/adapters/postgres/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "support/async.hpp"
#include "support/postgres_server.hpp"
#include "support/servers.hpp"
#include "throome/common/base64.hpp"

namespace throome::postgres {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using testing::IoThreads;
using testing::PostgresServer;
using namespace std::chrono_literals;

class PostgresClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new PostgresServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static ClientOptions options() {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.user = PostgresServer::kUser;
    o.password = PostgresServer::kPassword;
    o.database = PostgresServer::kDatabase;
    o.min_connections = 1;
    o.max_connections = 4;
    o.wait_timeout = 5s;
    o.connect_timeout = 3s;
    o.default_timeout = 10s;
    // Single statements on pipelines (the default), or with THROOME_TEST_PG_PIPELINE_DEPTH=0 on
    // worker threads: ctest runs this binary both ways (integration_postgres_workers).
    o.pipeline_depth = 4;
    if (const char* depth = std::getenv("THROOME_TEST_PG_PIPELINE_DEPTH")) {
      o.pipeline_depth = static_cast<std::size_t>(std::strtoul(depth, nullptr, 10));
    }
    o.name = "test";
    return o;
  }

  Result<StatementResult> run(Client& c, std::string sql, std::vector<json> args = {},
                              ExecOptions o = {}) {
    return io.run(c.run(Statement{std::move(sql), std::move(args)}, o));
  }
  StatementResult ok(Client& c, std::string sql, std::vector<json> args = {}, ExecOptions o = {}) {
    auto r = run(c, sql, std::move(args), o);
    EXPECT_TRUE(r) << sql << ": "
                   << (r ? "" : r.error().message() + " " + r.error().details().dump());
    return r ? std::move(*r) : StatementResult{};
  }
  Result<std::vector<StatementResult>> transaction(Client& c, std::vector<Statement> statements,
                                                   TransactionOptions t = {}, ExecOptions o = {}) {
    return io.run(c.transaction(std::move(statements), t, o));
  }
  std::future<Result<StatementResult>> spawn(Client& c, std::string sql, ExecOptions o = {}) {
    return asio::co_spawn(io.context(), c.run(Statement{std::move(sql), {}}, o), asio::use_future);
  }

  // Polls psql until `sql` prints `expected` (conditions, not sleeps, synchronise the test).
  static bool await_psql(const std::string& sql, const std::string& expected,
                         std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_->psql(sql) == expected) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  static std::string active_count(const std::string& fragment) {
    return "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> "
           "pg_backend_pid() AND query LIKE '%" +
           fragment + "%'";
  }

  static PostgresServer* server_;
  IoThreads io{2};
};
PostgresServer* PostgresClientTest::server_ = nullptr;

std::string error_text(const Error& e) { return e.message() + " " + e.details().dump(); }

TEST_F(PostgresClientTest, EveryTypeBecomesTypedJson) {
  auto c = make_client(io.context(), options());
  auto r = ok(*c,
              "SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740992::int8 AS i8_safe, "
              "9007199254740993::int8 AS i8_big, -9007199254740993::int8 AS i8_neg, "
              "1.5::float4 AS f4, 2.25::float8 AS f8, 'NaN'::float8 AS nan, "
              "'Infinity'::float8 AS inf, '-Infinity'::float4 AS ninf, 123.4500::numeric AS num, "
              "'NaN'::numeric AS num_nan, true AS t, false AS f, '{\"a\":[1,2]}'::json AS js, "
              "'{\"b\": null}'::jsonb AS jsb, 'hello'::text AS txt, 'v'::varchar(5) AS vc, "
              "'ab'::char(4) AS ch, '\\x00ff10'::bytea AS by, DATE '2024-02-29' AS d, "
              "TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, "
              "TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tstz, TIME '13:14:15' AS tm, "
              "TIMETZ '13:14:15+05:30' AS ttz, INTERVAL '1 year 2 months 3 days 04:05:06' AS iv, "
              "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, 7::oid AS o, "
              "NULL::int4 AS n, NULL::text AS nt, NULL::jsonb AS nj, "
              "DATE '0044-03-15 BC' AS bc, 'infinity'::timestamp AS ts_inf");
  ASSERT_EQ(r.rows.size(), 1u);
  const json& row = r.rows[0];
  EXPECT_EQ(row["i2"], 1);
  EXPECT_EQ(row["i4"], 2);
  EXPECT_EQ(row["i8_safe"], 9007199254740992LL);
  EXPECT_TRUE(row["i8_safe"].is_number());
  EXPECT_EQ(row["i8_big"], "9007199254740993");
  EXPECT_EQ(row["i8_neg"], "-9007199254740993");
  EXPECT_EQ(row["f4"], 1.5);
  EXPECT_EQ(row["f8"], 2.25);
  EXPECT_EQ(row["nan"], "NaN");
  EXPECT_EQ(row["inf"], "Infinity");
  EXPECT_EQ(row["ninf"], "-Infinity");
  EXPECT_EQ(row["num"], "123.4500");
  EXPECT_EQ(row["num_nan"], "NaN");
  EXPECT_EQ(row["t"], true);
  EXPECT_EQ(row["f"], false);
  EXPECT_EQ(row["js"], json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(row["jsb"], json::parse(R"({"b":null})"));
  EXPECT_EQ(row["txt"], "hello");
  EXPECT_EQ(row["vc"], "v");
  EXPECT_EQ(row["ch"], "ab  ");
  EXPECT_EQ(row["by"], common::base64_encode(std::string("\x00\xff\x10", 3)));
  EXPECT_EQ(row["d"], "2024-02-29");
  EXPECT_EQ(row["ts"], "2024-01-02T03:04:05.123456");
  EXPECT_EQ(row["tstz"], "2024-01-02T01:04:05+00:00");  // the server runs in UTC
  EXPECT_EQ(row["tm"], "13:14:15");
  EXPECT_EQ(row["ttz"], "13:14:15+05:30");
  EXPECT_EQ(row["iv"], "P1Y2M3DT4H5M6S");
  EXPECT_EQ(row["id"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(row["o"], 7);
  EXPECT_TRUE(row["n"].is_null());
  EXPECT_TRUE(row["nt"].is_null());
  EXPECT_TRUE(row["nj"].is_null());
  EXPECT_EQ(row["bc"], "-0043-03-15");
  EXPECT_EQ(row["ts_inf"], "infinity");

  std::map<std::string, std::string> types;
  for (const auto& col : r.columns) types[col.name] = col.type;
  EXPECT_EQ(types["i2"], "int2");
  EXPECT_EQ(types["i8_big"], "int8");
  EXPECT_EQ(types["ch"], "bpchar");
  EXPECT_EQ(types["jsb"], "jsonb");
  EXPECT_EQ(types["tstz"], "timestamptz");
  EXPECT_EQ(r.command, "SELECT");
  EXPECT_EQ(r.rows_affected, 1);
}

TEST_F(PostgresClientTest, ArraysBecomeJsonArraysOfTypedElements) {
  auto c = make_client(io.context(), options());
  auto r = ok(*c,
              "SELECT ARRAY[1,NULL,3]::int4[] AS ai, ARRAY[9007199254740993]::int8[] AS a8, "
              "ARRAY[['a','b c'],['\"q\"','\\']]::text[] AS at, ARRAY[]::int4[] AS empty, "
              "ARRAY[true,false]::bool[] AS ab, ARRAY[1.5,'NaN']::float8[] AS af, "
              "ARRAY[1.10]::numeric[] AS an, ARRAY['{\"x\":1}','[2]']::jsonb[] AS aj, "
              "ARRAY['\\x01'::bytea, NULL] AS aby, ARRAY[DATE '2024-01-01'] AS ad, "
              "ARRAY[TIMESTAMPTZ '2024-01-01 00:00:00+00'] AS atz, ARRAY['NULL', 'null'] AS "
              "quoted_null, '[0:1]={5,6}'::int4[] AS lower_bound");
  ASSERT_EQ(r.rows.size(), 1u);
  const json& row = r.rows[0];
  EXPECT_EQ(row["ai"], json::parse("[1,null,3]"));
  EXPECT_EQ(row["a8"], json::parse(R"(["9007199254740993"])"));
  EXPECT_EQ(row["at"], json::parse(R"([["a","b c"],["\"q\"","\\"]])"));
  EXPECT_EQ(row["empty"], json::array());
  EXPECT_EQ(row["ab"], json::parse("[true,false]"));
  EXPECT_EQ(row["af"], json::parse(R"([1.5,"NaN"])"));
  EXPECT_EQ(row["an"], json::parse(R"(["1.10"])"));
  EXPECT_EQ(row["aj"], json::parse(R"([{"x":1},[2]])"));
  EXPECT_EQ(row["aby"], json::parse(R"(["AQ==",null])"));
  EXPECT_EQ(row["ad"], json::parse(R"(["2024-01-01"])"));
  EXPECT_EQ(row["atz"], json::parse(R"(["2024-01-01T00:00:00+00:00"])"));
  EXPECT_EQ(row["quoted_null"], json::parse(R"(["NULL","null"])"));
  EXPECT_EQ(row["lower_bound"], json::parse("[5,6]"));
  std::map<std::string, std::string> types;
  for (const auto& col : r.columns) types[col.name] = col.type;
  EXPECT_EQ(types["ai"], "int4[]");
  EXPECT_EQ(types["aj"], "jsonb[]");
}

TEST_F(PostgresClientTest, EnumsDomainsAndTheirArraysAreLearnedFromTheCatalog) {
  server_->psql(
      "DROP TABLE IF EXISTS pets; DROP DOMAIN IF EXISTS posint; DROP TYPE IF EXISTS mood;"
      "CREATE TYPE mood AS ENUM ('sad', 'happy');"
      "CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);");
  auto c = make_client(io.context(), options());
  auto r = ok(*c,
              "SELECT 'happy'::mood AS m, ARRAY['sad','happy']::mood[] AS ms, 5::posint AS p, "
              "'(1,2)'::point AS pt");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0]["m"], "happy");
  EXPECT_EQ(r.rows[0]["ms"], json::parse(R"(["sad","happy"])"));
  EXPECT_EQ(r.rows[0]["p"], 5);
  EXPECT_EQ(r.rows[0]["pt"], "(1,2)");
  EXPECT_EQ(r.columns[0].type, "mood");
  EXPECT_EQ(r.columns[1].type, "mood[]");
}

TEST_F(PostgresClientTest, TimestampsKeepTheirOffsetInIso8601) {
  auto c = make_client(io.context(), options());
  std::vector<Statement> s{{"SET LOCAL TimeZone = 'Asia/Kolkata'", {}},
                           {"SELECT TIMESTAMPTZ '2024-06-01 12:00:00+00' AS t", {}}};
  auto r = transaction(*c, std::move(s));
  ASSERT_TRUE(r) << error_text(r.error());
  EXPECT_EQ((*r)[1].rows[0]["t"], "2024-06-01T17:30:00+05:30");
}

TEST_F(PostgresClientTest, BindsEveryJsonTypeAsARealParameter) {
  auto c = make_client(io.context(), options());
  auto r =
      ok(*c,
         "SELECT $1::text IS NULL AS is_null, $2::bool AS b, $3::int8 AS i, $4::float8 AS f, "
         "$5::text AS s, $6::int4[] AS arr, $7::jsonb AS obj, $8::jsonb AS jarr, "
         "$9::text[] AS tarr, $10::numeric AS big, $11::bytea AS by, $12::bool AS bf, "
         "$13::int4[] AS nested",
         {nullptr, true, -42, 3.25, "h\u00e9llo 'x' \"y\" \\z", json::parse("[1,2,null]"),
          json::parse(R"({"k":[1,"two"],"n":null})"), json::parse(R"([1,{"a":2}])"),
          json::parse(R"(["a","b,c","\"q\"","{}","NULL"])"), json::parse("12345678901234567890"),
          "\\x0102", false, json::parse("[[1,2],[3,4]]")});
  ASSERT_EQ(r.rows.size(), 1u);
  const json& row = r.rows[0];
  EXPECT_EQ(row["is_null"], true);
  EXPECT_EQ(row["b"], true);
  EXPECT_EQ(row["i"], -42);
  EXPECT_EQ(row["f"], 3.25);
  EXPECT_EQ(row["s"], "h\u00e9llo 'x' \"y\" \\z");
  EXPECT_EQ(row["arr"], json::parse("[1,2,null]"));
  EXPECT_EQ(row["obj"], json::parse(R"({"k":[1,"two"],"n":null})"));
  EXPECT_EQ(row["jarr"], json::parse(R"([1,{"a":2}])"));
  EXPECT_EQ(row["tarr"], json::parse(R"(["a","b,c","\"q\"","{}","NULL"])"));
  EXPECT_EQ(row["big"], "12345678901234567890");
  EXPECT_EQ(row["by"], "AQI=");
  EXPECT_EQ(row["bf"], false);
  EXPECT_EQ(row["nested"], json::parse("[[1,2],[3,4]]"));
}

TEST_F(PostgresClientTest, AnInjectionAttemptThroughArgsStaysData) {
  server_->psql("DROP TABLE IF EXISTS inj; CREATE TABLE inj (id int, v text)");
  auto c = make_client(io.context(), options());
  const std::string evil = "x'); DROP TABLE inj; --";
  auto ins = ok(*c, "INSERT INTO inj VALUES ($1, $2)", {1, evil});
  EXPECT_EQ(ins.command, "INSERT");
  EXPECT_EQ(ins.rows_affected, 1);
  EXPECT_EQ(server_->psql("SELECT v FROM inj WHERE id = 1"), evil);
  // Into a number: a type error, nothing runs.
  auto bad = run(*c, "SELECT * FROM inj WHERE id = $1", {"1; DROP TABLE inj"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Errc::backend_error);
  EXPECT_EQ(bad.error().details()["sqlstate"], "22P02");
  auto found = ok(*c, "SELECT v FROM inj WHERE v = $1", {evil});
  ASSERT_EQ(found.rows.size(), 1u);
  EXPECT_EQ(server_->psql("SELECT count(*) FROM inj"), "1");
  // Several statements in one text are refused (the extended protocol runs exactly one).
  auto stacked = run(*c, "SELECT 1; DROP TABLE inj");
  ASSERT_FALSE(stacked);
  EXPECT_EQ(stacked.error().details()["sqlstate"], "42601");
  EXPECT_EQ(server_->psql("SELECT count(*) FROM inj"), "1");
}

TEST_F(PostgresClientTest, PostgresErrorsCarrySqlstateDetailHintAndPosition) {
  server_->psql("DROP TABLE IF EXISTS uniq; CREATE TABLE uniq (id int PRIMARY KEY)");
  auto c = make_client(io.context(), options());
  auto syntax = run(*c, "SELECT 1 FORM x");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code(), Errc::backend_error);
  EXPECT_EQ(syntax.error().details()["sqlstate"], "42601");
  EXPECT_EQ(syntax.error().details()["position"], 15);
  EXPECT_EQ(syntax.error().message(), "syntax error at or near \"x\"");

  ok(*c, "INSERT INTO uniq VALUES (1)");
  auto dup = run(*c, "INSERT INTO uniq VALUES (1)");
  ASSERT_FALSE(dup);
  const json d = dup.error().details();
  EXPECT_EQ(d["sqlstate"], "23505");
  EXPECT_EQ(d["detail"], "Key (id)=(1) already exists.");
  EXPECT_EQ(d["constraint"], "uniq_pkey");
  EXPECT_EQ(d["table"], "uniq");

  auto fn = run(*c, "SELECT no_such_function(1)");
  ASSERT_FALSE(fn);
  EXPECT_EQ(fn.error().details()["sqlstate"], "42883");
  EXPECT_TRUE(fn.error().details()["hint"].is_string()) << error_text(fn.error());
  EXPECT_EQ(fn.error().details()["position"], 8);

  auto count = run(*c, "SELECT $1::int + $2::int", {1});
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error().code(), Errc::bad_request);
  EXPECT_NE(count.error().message().find("2 parameter(s) but args has 1"), std::string::npos);

  auto nul = run(*c, "SELECT $1::text", {std::string("a\0b", 3)});
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code(), Errc::bad_request);
  // After all that the connection is fine.
  EXPECT_EQ(ok(*c, "SELECT 2 AS x").rows[0]["x"], 2);
}

TEST_F(PostgresClientTest, PreparedStatementsAreReusedPerConnectionWithinABound) {
  auto o = options();
  o.max_connections = 1;
  o.statement_cache_size = 2;
  auto c = make_client(io.context(), o);
  const std::string a = "SELECT 1 AS a";
  for (int i = 0; i < 3; ++i) ok(*c, a);
  const std::string inspect =
      "SELECT statement, generic_plans + custom_plans AS uses FROM pg_prepared_statements";
  auto seen = ok(*c, inspect);
  std::map<std::string, json> uses;
  for (const auto& row : seen.rows) uses[row["statement"]] = row["uses"];
  ASSERT_EQ(uses.count(a), 1u) << seen.rows.dump();
  EXPECT_EQ(uses[a], 3) << "one prepared statement ran three times";

  // Two more texts evict the least recently used ones; the bound holds on the server.
  ok(*c, "SELECT 2 AS b");
  ok(*c, "SELECT 3 AS c");
  auto after = ok(*c, inspect);
  std::set<std::string> texts;
  for (const auto& row : after.rows) texts.insert(row["statement"]);
  EXPECT_EQ(texts, (std::set<std::string>{"SELECT 3 AS c", inspect})) << after.rows.dump();
}

TEST_F(PostgresClientTest, AStatementWhoseTableChangedIsPreparedAgain) {
  server_->psql(
      "DROP TABLE IF EXISTS stale; CREATE TABLE stale (a int); INSERT INTO stale "
      "VALUES (1)");
  auto o = options();
  o.max_connections = 1;
  auto c = make_client(io.context(), o);
  EXPECT_EQ(ok(*c, "SELECT * FROM stale").columns.size(), 1u);
  server_->psql("ALTER TABLE stale ADD COLUMN b int DEFAULT 7");
  auto r = ok(*c, "SELECT * FROM stale");
  ASSERT_EQ(r.columns.size(), 2u);
  EXPECT_EQ(r.rows[0]["b"], 7);
}

TEST_F(PostgresClientTest, MaxRowsTruncatesAndTheConnectionStaysUsable) {
  auto o = options();
  o.max_connections = 1;
  auto c = make_client(io.context(), o);
  ExecOptions limited;
  limited.max_rows = 10;
  auto r = ok(*c, "SELECT g FROM generate_series(1, 5000) g", {}, limited);
  EXPECT_EQ(r.rows.size(), 10u);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.rows_affected, 5000);
  EXPECT_EQ(r.rows[9]["g"], 10);
  auto all = ok(*c, "SELECT g FROM generate_series(1, 10) g", {}, limited);
  EXPECT_EQ(all.rows.size(), 10u);
  EXPECT_FALSE(all.truncated);
}

TEST_F(PostgresClientTest, DuplicateColumnNamesAreKept) {
  auto c = make_client(io.context(), options());
  auto objects = ok(*c, "SELECT 1 AS a, 2 AS a, 3 AS a_2");
  ASSERT_EQ(objects.columns.size(), 3u);
  EXPECT_EQ(objects.columns[1].name, "a");
  EXPECT_EQ(objects.columns[1].key, "a_2");
  EXPECT_EQ(objects.columns[2].key, "a_2_2");
  EXPECT_EQ(objects.rows[0], json::parse(R"({"a":1,"a_2":2,"a_2_2":3})"));
  ExecOptions arrays;
  arrays.format = RowFormat::arrays;
  auto rows = ok(*c, "SELECT 1 AS a, 2 AS a", {}, arrays);
  EXPECT_EQ(rows.rows, json::parse("[[1,2]]"));
}

TEST_F(PostgresClientTest, TransactionsCommitOrRollBackAndNameTheFailingStatement) {
  server_->psql("DROP TABLE IF EXISTS acct; CREATE TABLE acct (id int PRIMARY KEY, n int)");
  auto c = make_client(io.context(), options());
  auto done = transaction(*c, {{"INSERT INTO acct VALUES ($1, $2)", {1, 10}},
                               {"INSERT INTO acct VALUES ($1, $2)", {2, 20}},
                               {"SELECT sum(n) AS total FROM acct", {}}});
  ASSERT_TRUE(done) << error_text(done.error());
  ASSERT_EQ(done->size(), 3u);
  EXPECT_EQ((*done)[0].command, "INSERT");
  EXPECT_EQ((*done)[2].rows[0]["total"], 30);  // sum(int4) is an int8: a number
  EXPECT_EQ(server_->psql("SELECT count(*) FROM acct"), "2");

  auto failed = transaction(*c, {{"UPDATE acct SET n = n + 1", {}},
                                 {"INSERT INTO acct VALUES ($1, $2)", {3, 30}},
                                 {"INSERT INTO acct VALUES ($1, $2)", {1, 99}}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), Errc::backend_error);
  EXPECT_EQ(failed.error().details()["index"], 2);
  EXPECT_EQ(failed.error().details()["sqlstate"], "23505");
  EXPECT_EQ(server_->psql("SELECT string_agg(id || ':' || n, ',' ORDER BY id) FROM acct"),
            "1:10,2:20");

  // A read-only transaction refuses writes; a bad argument rolls back too.
  TransactionOptions ro;
  ro.read_only = true;
  auto refused = transaction(*c, {{"INSERT INTO acct VALUES (9, 9)", {}}}, ro);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().details()["sqlstate"], "25006");
  EXPECT_EQ(refused.error().details()["index"], 0);
  auto bad_args = transaction(*c, {{"DELETE FROM acct", {}}, {"SELECT $1::int", {}}});
  ASSERT_FALSE(bad_args);
  EXPECT_EQ(bad_args.error().code(), Errc::bad_request);
  EXPECT_EQ(bad_args.error().details()["index"], 1);
  EXPECT_EQ(server_->psql("SELECT count(*) FROM acct"), "2");
  EXPECT_EQ(ok(*c, "SELECT count(*) AS n FROM acct").rows[0]["n"], 2);
}

TEST_F(PostgresClientTest, IsolationLevelsAreApplied) {
  auto c = make_client(io.context(), options());
  const std::pair<Isolation, std::string> levels[] = {
      {Isolation::default_level, "read committed"},
      {Isolation::read_committed, "read committed"},
      {Isolation::repeatable_read, "repeatable read"},
      {Isolation::serializable, "serializable"}};
  for (const auto& [level, name] : levels) {
    TransactionOptions t;
    t.isolation = level;
    auto r = transaction(*c, {{"SHOW transaction_isolation", {}}}, t);
    ASSERT_TRUE(r) << error_text(r.error());
    EXPECT_EQ((*r)[0].rows[0]["transaction_isolation"], name);
  }
  // A row committed by psql while the transaction sleeps: invisible to a repeatable-read
  // snapshot, visible to read committed.
  server_->psql("DROP TABLE IF EXISTS snap; CREATE TABLE snap (x int)");
  for (const auto& [level, sees_insert] :
       {std::pair{Isolation::repeatable_read, false}, std::pair{Isolation::read_committed, true}}) {
    TransactionOptions t;
    t.isolation = level;
    const std::string marker = sees_insert ? "iso-rc" : "iso-rr";
    auto pending = asio::co_spawn(io.context(),
                                  c->transaction({{"SELECT count(*) AS n FROM snap", {}},
                                                  {"SELECT pg_sleep(2) /* " + marker + " */", {}},
                                                  {"SELECT count(*) AS n FROM snap", {}}},
                                                 t, {}),
                                  asio::use_future);
    ASSERT_TRUE(await_psql(active_count(marker), "1"));
    server_->psql("INSERT INTO snap VALUES (1)");
    auto r = pending.get();
    ASSERT_TRUE(r) << error_text(r.error());
    const int before = (*r)[0].rows[0]["n"].get<int>();
    const int after = (*r)[2].rows[0]["n"].get<int>();
    EXPECT_EQ(after, sees_insert ? before + 1 : before) << marker;
  }
}

TEST_F(PostgresClientTest, ATimeoutCancelsTheQueryOnTheServer) {
  auto c = make_client(io.context(), options());
  ExecOptions quick;
  quick.timeout = 300ms;
  auto r = run(*c, "SELECT pg_sleep(30) /* timeout-probe */", {}, quick);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::timeout) << error_text(r.error());
  EXPECT_EQ(r.error().details()["sqlstate"], "57014");
  EXPECT_TRUE(await_psql(active_count("timeout-probe"), "0"));
  // Inside a transaction too; the connection is rolled back and reused.
  auto t = transaction(*c, {{"SELECT 1", {}}, {"SELECT pg_sleep(30) /* timeout-probe-2 */", {}}},
                       {}, quick);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code(), Errc::timeout);
  EXPECT_EQ(t.error().details()["index"], 1);
  EXPECT_TRUE(await_psql(active_count("timeout-probe-2"), "0"));
  EXPECT_EQ(ok(*c, "SELECT 5 AS v").rows[0]["v"], 5);
}

TEST_F(PostgresClientTest, AFullPoolQueuesBoundedThenAnswersOverloaded) {
  auto o = options();
  o.max_connections = 1;
  o.min_connections = 1;
  o.max_waiting = 1;
  o.wait_timeout = 300ms;
  auto c = make_client(io.context(), o);
  ok(*c, "SELECT 1");
  auto slow = spawn(*c, "SELECT pg_sleep(3) /* pool-hog */");
  ASSERT_TRUE(await_psql(active_count("pool-hog"), "1"));
  auto queued = spawn(*c, "SELECT 2");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (c->stats().waiting != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);  // polling a condition
  }
  ASSERT_EQ(c->stats().waiting, 1u);
  auto refused = spawn(*c, "SELECT 3");
  // The queue holds one: the third call is refused at once, the second after its wait.
  auto r3 = refused.get();
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code(), Errc::overloaded);
  auto r2 = queued.get();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code(), Errc::overloaded) << error_text(r2.error());
  EXPECT_NE(r2.error().message().find("within 300 ms"), std::string::npos);
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout) << "the wait was bounded";
  auto r1 = slow.get();
  EXPECT_TRUE(r1) << error_text(r1.error());
  EXPECT_EQ(ok(*c, "SELECT 4 AS v").rows[0]["v"], 4);
}

TEST_F(PostgresClientTest, AWaitingCallGetsTheConnectionWhenItIsFreed) {
  auto o = options();
  o.max_connections = 1;
  o.wait_timeout = 10s;
  auto c = make_client(io.context(), o);
  auto slow = spawn(*c, "SELECT pg_sleep(0.3) /* handover */");
  ASSERT_TRUE(await_psql(active_count("handover"), "1"));
  auto next = spawn(*c, "SELECT 7 AS v");
  auto r = next.get();
  ASSERT_TRUE(r) << error_text(r.error());
  EXPECT_EQ(r->rows[0]["v"], 7);
  EXPECT_TRUE(slow.get());
  EXPECT_EQ(c->stats().open, 1u);
}

TEST_F(PostgresClientTest, QueuedCallsShareAPipelineButFailIndependently) {
  server_->psql("DROP TABLE IF EXISTS piped; CREATE TABLE piped (id int PRIMARY KEY)");
  auto o = options();
  o.max_connections = 1;
  IoThreads single(1);  // one thread: the calls are submitted in the order they are spawned
  auto c = make_client(single.context(), o);
  auto hog = asio::co_spawn(single.context(),
                            c->run(Statement{"SELECT pg_sleep(0.3) /* pipe-hog */", {}}, {}),
                            asio::use_future);
  ASSERT_TRUE(await_psql(active_count("pipe-hog"), "1"));
  // These wait behind the hog and then leave together, each its own implicit transaction.
  std::vector<std::future<Result<StatementResult>>> calls;
  const std::vector<Statement> statements = {
      {"INSERT INTO piped VALUES ($1)", {1}},  {"SELECT 10 / $1::int AS q", {0}},
      {"INSERT INTO piped VALUES ($1)", {1}},  {"INSERT INTO piped VALUES ($1)", {2}},
      {"SELECT $1::int + $2::int", {1}},       {"SELECT 10 / $1::int AS q", {5}},
      {"SELECT count(*) AS n FROM piped", {}},
  };
  for (const auto& s : statements) {
    calls.push_back(asio::co_spawn(single.context(), c->run(s, ExecOptions{}), asio::use_future));
  }
  ASSERT_TRUE(hog.get());
  std::vector<Result<StatementResult>> r;
  for (auto& f : calls) r.push_back(f.get());
  EXPECT_TRUE(r[0]) << error_text(r[0].error());
  ASSERT_FALSE(r[1]);
  EXPECT_EQ(r[1].error().details()["sqlstate"], "22012");
  ASSERT_FALSE(r[2]);
  EXPECT_EQ(r[2].error().details()["sqlstate"], "23505");
  EXPECT_TRUE(r[3]) << error_text(r[3].error());
  ASSERT_FALSE(r[4]);
  EXPECT_EQ(r[4].error().code(), Errc::bad_request);
  ASSERT_TRUE(r[5]);
  EXPECT_EQ(r[5]->rows[0]["q"], 2);
  ASSERT_TRUE(r[6]);
  EXPECT_EQ(r[6]->rows[0]["n"], 2);
  EXPECT_EQ(server_->psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM piped"), "1,2");
}

TEST_F(PostgresClientTest, ConcurrentCallsOnOnePipelineGetTheirOwnAnswersWhilePreparing) {
  // One connection, one thread: the calls share a pipeline. Statements never seen before are
  // prepared while others run; a statement that fails to prepare fails only its own calls.
  auto o = options();
  o.max_connections = 1;
  o.max_waiting = 10'000;
  IoThreads single(1);
  auto c = make_client(single.context(), o);
  ok(*c, "SELECT 1");  // the connection is open: the calls below need not wait for it
  std::vector<std::future<Result<StatementResult>>> calls;
  for (int i = 0; i < 300; ++i) {
    Statement s;
    switch (i % 5) {
      case 0:
        s = {"SELECT $1::int + " + std::to_string(i % 7) + " AS v", {i}};
        break;
      case 1:
        s = {"SELECT $1::text || '!' AS v", {std::to_string(i)}};
        break;
      case 2:
        s = {"SELEC broken " + std::to_string(i % 3), {}};
        break;
      case 3:
        s = {"SELECT 100 / $1::int AS v", {i % 2}};
        break;
      default:
        s = {"SELECT $1::int AS v", {}};  // one argument missing
        break;
    }
    calls.push_back(asio::co_spawn(single.context(), c->run(s, ExecOptions{}), asio::use_future));
  }
  for (int i = 0; i < 300; ++i) {
    auto r = calls[static_cast<std::size_t>(i)].get();
    switch (i % 5) {
      case 0:
        ASSERT_TRUE(r) << i << ": " << error_text(r.error());
        EXPECT_EQ(r->rows[0]["v"], i + i % 7);
        break;
      case 1:
        ASSERT_TRUE(r) << i << ": " << error_text(r.error());
        EXPECT_EQ(r->rows[0]["v"], std::to_string(i) + "!");
        break;
      case 2:
        ASSERT_FALSE(r) << i;
        EXPECT_EQ(r.error().details()["sqlstate"], "42601");
        break;
      case 3:
        if (i % 2 == 0) {
          ASSERT_FALSE(r) << i;
          EXPECT_EQ(r.error().details()["sqlstate"], "22012");
        } else {
          ASSERT_TRUE(r) << i << ": " << error_text(r.error());
          EXPECT_EQ(r->rows[0]["v"], 100);
        }
        break;
      default:
        ASSERT_FALSE(r) << i;
        EXPECT_EQ(r.error().code(), Errc::bad_request);
        break;
    }
  }
  EXPECT_EQ(c->stats().open, 1u);
  EXPECT_EQ(ok(*c, "SELECT 9 AS v").rows[0]["v"], 9);
}

TEST_F(PostgresClientTest, TheDefaultTimeoutCancelsAPipelinedQueryAndSparesTheOthers) {
  // Calls with the default timeout run pipelined; the server's statement_timeout still ends
  // an overdue one (504, gone from the server) and the calls behind it are answered.
  auto o = options();
  o.max_connections = 1;
  o.default_timeout = 300ms;
  IoThreads single(1);
  auto c = make_client(single.context(), o);
  ExecOptions dflt;
  dflt.timeout = 300ms;
  ok(*c, "SELECT 1", {}, dflt);  // the connection is open: the calls below need not wait
  auto slow = asio::co_spawn(single.context(),
                             c->run(Statement{"SELECT pg_sleep(30) /* pipe-timeout */", {}}, dflt),
                             asio::use_future);
  auto next = asio::co_spawn(single.context(), c->run(Statement{"SELECT 6 AS v", {}}, dflt),
                             asio::use_future);
  auto r = slow.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::timeout) << error_text(r.error());
  EXPECT_EQ(r.error().details()["sqlstate"], "57014");
  EXPECT_TRUE(await_psql(active_count("pipe-timeout"), "0"));
  auto n = next.get();
  ASSERT_TRUE(n) << error_text(n.error());
  EXPECT_EQ(n->rows[0]["v"], 6);
}

TEST_F(PostgresClientTest, StatementsThatMustRunAloneWorkWithAndWithoutTheirOwnTimeout) {
  // VACUUM and CREATE INDEX CONCURRENTLY refuse to share a transaction (or a pipeline's
  // implicit one) with another statement.
  server_->psql("DROP TABLE IF EXISTS alone; CREATE TABLE alone (a int)");
  auto c = make_client(io.context(), options());
  ExecOptions own;
  own.timeout = 4s;
  ExecOptions dflt;
  dflt.timeout = options().default_timeout;
  for (const auto& o : {own, dflt}) {
    ok(*c, "VACUUM alone", {}, o);
    ok(*c, "CREATE INDEX CONCURRENTLY IF NOT EXISTS alone_a ON alone (a)", {}, o);
    ok(*c, "DROP INDEX CONCURRENTLY alone_a", {}, o);
  }
}

TEST_F(PostgresClientTest, OneConnectionServesPipelinedCallsAndTransactionsInTurn) {
  // The only connection is lent to the pipelines after a single statement; a transaction then
  // needs it back on a worker: the pipeline gives it back at once (not after a linger or the
  // wait timeout), and the next single statement takes it again.
  auto o = options();
  o.max_connections = 1;
  o.wait_timeout = 5s;
  auto c = make_client(io.context(), o);
  for (int i = 0; i < 3; ++i) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(ok(*c, "SELECT $1::int AS v", {i}).rows[0]["v"], i);
    auto t = transaction(*c, {{"SELECT $1::int AS v", {i}}, {"SELECT 2 AS w", {}}});
    ASSERT_TRUE(t) << error_text(t.error());
    EXPECT_EQ((*t)[0].rows[0]["v"], i);
    EXPECT_EQ(ok(*c, "SELECT 3 AS x").rows[0]["x"], 3);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms) << "round " << i;
  }
  EXPECT_EQ(c->stats().open, 1u);
}

TEST_F(PostgresClientTest, IdleAndOldConnectionsAreClosed) {
  auto o = options();
  o.min_connections = 0;
  o.max_idle_time = 1s;
  o.application_name = "throome-idle-test";
  auto idle = make_client(io.context(), o);
  ok(*idle, "SELECT 1");
  const std::string count =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'throome-idle-test'";
  EXPECT_EQ(server_->psql(count), "1");
  EXPECT_TRUE(await_psql(count, "0")) << "an idle connection above the minimum is closed";
  EXPECT_EQ(idle->stats().open, 0u);

  o.min_connections = 1;
  o.max_idle_time = 300s;
  o.max_lifetime = 1s;
  o.application_name = "throome-lifetime-test";
  auto old = make_client(io.context(), o);
  const auto first = ok(*old, "SELECT pg_backend_pid() AS pid").rows[0]["pid"];
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  json now = first;
  while (now == first && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);  // polling a condition
    now = ok(*old, "SELECT pg_backend_pid() AS pid").rows[0]["pid"];
  }
  EXPECT_NE(now, first) << "a connection older than max_lifetime is replaced";
}

TEST_F(PostgresClientTest, ManyConcurrentCallsGetTheirOwnAnswers) {
  auto o = options();
  o.max_connections = 4;
  o.max_waiting = 10'000;
  auto c = make_client(io.context(), o);
  std::vector<std::future<Result<StatementResult>>> calls;
  for (int i = 0; i < 400; ++i) {
    calls.push_back(asio::co_spawn(io.context(),
                                   c->run(Statement{"SELECT $1::int * 2 AS v", {i}}, ExecOptions{}),
                                   asio::use_future));
  }
  for (int i = 0; i < 400; ++i) {
    auto r = calls[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(r) << error_text(r.error());
    EXPECT_EQ(r->rows[0]["v"], i * 2);
  }
  EXPECT_LE(c->stats().open, 4u);
}

TEST_F(PostgresClientTest, TheCallerThreadIsFreeWhileAQueryRuns) {
  IoThreads single(1);
  auto c = make_client(single.context(), options());
  auto slow = asio::co_spawn(single.context(),
                             c->run(Statement{"SELECT pg_sleep(1) /* free-thread */", {}}, {}),
                             asio::use_future);
  ASSERT_TRUE(await_psql(active_count("free-thread"), "1"));
  // The only IO thread runs other work while the query runs on a worker thread.
  auto other = asio::post(single.context(), asio::use_future([] { return 42; }));
  EXPECT_EQ(other.get(), 42);
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);
  EXPECT_TRUE(slow.get());
}

TEST_F(PostgresClientTest, ATerminatedConnectionIsReplacedTransparently) {
  auto o = options();
  o.max_connections = 1;
  auto c = make_client(io.context(), o);
  const auto pid = ok(*c, "SELECT pg_backend_pid() AS pid").rows[0]["pid"].get<int>();
  EXPECT_EQ(server_->psql("SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "t");
  ASSERT_TRUE(
      await_psql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid), "0"));
  auto r = run(*c, "SELECT pg_backend_pid() AS pid");
  ASSERT_TRUE(r) << "the dead idle connection was noticed before use: " << error_text(r.error());
  EXPECT_NE(r->rows[0]["pid"], pid);
}

TEST_F(PostgresClientTest, AnUnreachableServerFailsFastWith503) {
  auto o = options();
  o.port = testing::free_loopback_port();
  auto c = make_client(io.context(), o);
  auto r = run(*c, "SELECT 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable);
  EXPECT_EQ(r.error().details()["phase"], "connect");
  EXPECT_FALSE(c->healthy());
}

TEST_F(PostgresClientTest, AWrongPasswordIs503WithoutLeakingIt) {
  auto o = options();
  o.password = "not-the-password-123";
  auto c = make_client(io.context(), o);
  auto r = run(*c, "SELECT 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable);
  const auto text = error_text(r.error());
  EXPECT_NE(text.find("password authentication failed"), std::string::npos) << text;
  EXPECT_EQ(text.find("not-the-password-123"), std::string::npos) << text;
}

// Last: it restarts the shared server.
TEST_F(PostgresClientTest, SurvivesAServerRestart) {
  auto o = options();
  o.min_connections = 2;
  auto c = make_client(io.context(), o);
  ok(*c, "SELECT 1");
  server_->stop();
  auto down = run(*c, "SELECT 1");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), Errc::backend_unavailable) << error_text(down.error());
  server_->start();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  Result<StatementResult> up = Error();
  while (std::chrono::steady_clock::now() < deadline) {
    up = run(*c, "SELECT 8 AS v");
    if (up) break;
    EXPECT_EQ(up.error().code(), Errc::backend_unavailable) << error_text(up.error());
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(up) << error_text(up.error());
  EXPECT_EQ(up->rows[0]["v"], 8);
  EXPECT_TRUE(c->healthy());
  // Every pooled connection (including the ones opened before the restart) works again.
  std::vector<std::future<Result<StatementResult>>> calls;
  for (int i = 0; i < 8; ++i) calls.push_back(spawn(*c, "SELECT pg_sleep(0.05)"));
  for (auto& f : calls) {
    auto r = f.get();
    EXPECT_TRUE(r) << error_text(r.error());
  }
}

}  // namespace
}  // namespace throome::postgres
