// The db API end to end: the real daemon in front of real PostgreSQL servers (a primary and an
// independent server playing a read replica) and a real redis-server; psql is the independent
// peer that checks what actually happened in the database.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "support/eventually.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/prometheus_text.hpp"
#include "support/servers.hpp"
#include "throome/common/base64.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class DbApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    primary_ = new PostgresServer();
    replica_ = new PostgresServer();
    redis_ = new RedisServer();
    dir_ = new TempDir();
    DaemonProcess::Options o;
    o.clusters_dir = dir_->path() / "clusters";
    // One IO thread: a blocking database call would stall every other request.
    o.extra_args = {"--threads", "1"};
    o.env = {{"THROOME_TEST_PG_PASSWORD", PostgresServer::kPassword}};
    daemon_ = new DaemonProcess(o);

    primary_->psql("CREATE TABLE whoami (who text); INSERT INTO whoami VALUES ('primary')");
    replica_->psql("CREATE TABLE whoami (who text); INSERT INTO whoami VALUES ('replica')");

    create("main", db_service(primary_->port()), {});
    json with_replica = db_service(primary_->port());
    with_replica["replicas"] = {{{"host", "127.0.0.1"}, {"port", replica_->port()}}};
    create("rep", with_replica,
           {{"statements",
             {{"who", {{"sql", "SELECT who FROM whoami"}, {"read_only", true}}},
              {"who_primary", {{"sql", "SELECT who FROM whoami"}}}}}});
    create(
        "locked", db_service(primary_->port()),
        {{"statements",
          {{"user_by_id",
            {{"sql", "SELECT id, name FROM locked_users WHERE id = $1"}, {"read_only", true}}},
           {"add_user",
            {{"sql", "INSERT INTO locked_users (id, name) VALUES ($1, $2)"}, {"timeout_ms", 2000}}},
           {"slow", {{"sql", "SELECT pg_sleep($1)"}, {"timeout_ms", 300}}}}},
         {"db", {{"allow_raw_sql", false}}}});
    json solo = db_service(primary_->port());
    solo["pool"] = {{"min_connections", 1}, {"max_connections", 1}, {"wait_timeout_ms", 300}};
    solo["options"] = {{"max_waiting", 1}};
    create("solo", solo, {});
    json nodb = {
        {"name", "nodb"},
        {"cluster_id", "nodb"},
        {"services",
         {{"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", redis_->port()}}}}}};
    ASSERT_EQ(http_request(daemon_->port(), "POST", "/api/v1/clusters", nodb.dump()).status, 201);
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete redis_;
    delete replica_;
    delete primary_;
  }

  static json db_service(std::uint16_t port) {
    return {{"type", "postgres"},
            {"host", "127.0.0.1"},
            {"port", port},
            {"username", PostgresServer::kUser},
            {"password", "${THROOME_TEST_PG_PASSWORD}"},
            {"database", PostgresServer::kDatabase},
            {"pool", {{"min_connections", 1}, {"max_connections", 4}}}};
  }

  static void create(const std::string& id, const json& db, const json& extra) {
    json body = {
        {"name", id},
        {"cluster_id", id},
        {"services",
         {{"db", db},
          {"cache", {{"type", "redis"}, {"host", "127.0.0.1"}, {"port", redis_->port()}}}}},
        {"routing", {{"timeout_ms", 5000}}}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    auto r = http_request(daemon_->port(), "POST", "/api/v1/clusters", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  static HttpResult db(const std::string& id, const std::string& op, const json& body) {
    return http_request(daemon_->port(), "POST", "/api/v1/clusters/" + id + "/db/" + op,
                        body.dump());
  }
  static json ok(const std::string& op, const json& body, const std::string& id = "main") {
    auto r = db(id, op, body);
    EXPECT_EQ(r.status, 200) << op << " " << body.dump() << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static json error(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("code", ""), code) << r.body;
    EXPECT_EQ(body.value("status", 0), status) << r.body;
    EXPECT_TRUE(body.contains("request_id")) << r.body;
    return body;
  }
  static std::string who(const HttpResult& r) {
    auto body = json::parse(r.body, nullptr, false);
    if (r.status != 200) return "HTTP " + std::to_string(r.status) + " " + r.body;
    const json& rows = body.contains("results") ? body["results"][0]["rows"] : body["rows"];
    return rows.at(0).at("who").get<std::string>();
  }
  static bool await_psql(PostgresServer& server, const std::string& sql,
                         const std::string& expected, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (server.psql(sql) == expected) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  static std::string active_count(const std::string& fragment) {
    return "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> "
           "pg_backend_pid() AND query LIKE '%" +
           fragment + "%'";
  }

  static PostgresServer* primary_;
  static PostgresServer* replica_;
  static RedisServer* redis_;
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
PostgresServer* DbApi::primary_ = nullptr;
PostgresServer* DbApi::replica_ = nullptr;
RedisServer* DbApi::redis_ = nullptr;
TempDir* DbApi::dir_ = nullptr;
DaemonProcess* DbApi::daemon_ = nullptr;

TEST_F(DbApi, QueryAndExecuteAreCompatibleWithExistingClients) {
  EXPECT_EQ(ok("execute", {{"query", "DROP TABLE IF EXISTS users"}}),
            (json{{"rows_affected", 0}, {"command", "DROP TABLE"}}));
  ok("execute", {{"query", "CREATE TABLE users (id int PRIMARY KEY, name text, tags text[])"}});
  auto ins = ok("execute", {{"query", "INSERT INTO users VALUES ($1, $2, $3), ($4, $5, NULL)"},
                            {"args", {1, "alice", {"a", "b"}, 2, "bob"}}});
  EXPECT_EQ(ins, (json{{"rows_affected", 2}, {"command", "INSERT"}}));
  EXPECT_EQ(primary_->psql("SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM users"),
            "1=alice,2=bob");
  EXPECT_EQ(primary_->psql("SELECT tags FROM users WHERE id = 1"), "{a,b}");

  auto q = ok("query", {{"query", "SELECT id, name, tags FROM users ORDER BY id"}});
  EXPECT_EQ(q["rows"], json::parse(R"([{"id":1,"name":"alice","tags":["a","b"]},
                                       {"id":2,"name":"bob","tags":null}])"));
  EXPECT_EQ(q["columns"], json::parse(R"([{"name":"id","type":"int4"},
      {"name":"name","type":"text"},{"name":"tags","type":"text[]"}])"));
  EXPECT_EQ(q["row_count"], 2);
  EXPECT_EQ(q["truncated"], false);

  // RETURNING rows come back from execute too.
  auto ret = ok("execute", {{"query",
                             "UPDATE users SET name = upper(name) WHERE id = $1 "
                             "RETURNING id, name"},
                            {"args", {2}}});
  EXPECT_EQ(ret["command"], "UPDATE");
  EXPECT_EQ(ret["rows_affected"], 1);
  EXPECT_EQ(ret["rows"], json::parse(R"([{"id":2,"name":"BOB"}])"));
}

TEST_F(DbApi, ResultsAreTypedAndCanComeAsArrays) {
  auto q = ok("query",
              {{"query",
                "SELECT 9007199254740993::int8 AS big, 42::int8 AS small, 1.50::numeric AS num, "
                "'NaN'::float8 AS nan, '\\x0102'::bytea AS raw, '{\"k\":[1,true]}'::jsonb AS doc, "
                "TIMESTAMPTZ '2024-03-01 10:00:00+00' AS at, NULL::int AS nothing, "
                "ARRAY[1,2]::int2[] AS arr, 1 AS dup, 2 AS dup"}});
  const json& row = q["rows"][0];
  EXPECT_EQ(row["big"], "9007199254740993");
  EXPECT_EQ(row["small"], 42);
  EXPECT_EQ(row["num"], "1.50");
  EXPECT_EQ(row["nan"], "NaN");
  EXPECT_EQ(row["raw"], "AQI=");
  EXPECT_EQ(row["doc"], json::parse(R"({"k":[1,true]})"));
  EXPECT_EQ(row["at"], "2024-03-01T10:00:00+00:00");
  EXPECT_TRUE(row["nothing"].is_null());
  EXPECT_EQ(row["arr"], json::parse("[1,2]"));
  EXPECT_EQ(row["dup"], 1);
  EXPECT_EQ(row["dup_2"], 2);
  EXPECT_EQ(q["columns"][10], json::parse(R"({"name":"dup","type":"int4","key":"dup_2"})"));

  auto arrays =
      ok("query", {{"query", "SELECT 1 AS a, 2 AS a UNION ALL SELECT 3, 4"}, {"format", "arrays"}});
  EXPECT_EQ(arrays["rows"], json::parse("[[1,2],[3,4]]"));

  auto limited =
      ok("query", {{"query", "SELECT g FROM generate_series(1, 1000) g"}, {"max_rows", 3}});
  EXPECT_EQ(limited["rows"], json::parse(R"([{"g":1},{"g":2},{"g":3}])"));
  EXPECT_EQ(limited["row_count"], 3);
  EXPECT_EQ(limited["truncated"], true);
}

TEST_F(DbApi, ArgsBindEveryJsonTypeAndAnInjectionStaysData) {
  primary_->psql(
      "DROP TABLE IF EXISTS notes; CREATE TABLE notes (id serial, body text, "
      "meta jsonb, flags bool[], n numeric)");
  const std::string evil = "'); DROP TABLE notes; --";
  auto ins = ok("execute", {{"query",
                             "INSERT INTO notes (body, meta, flags, n) VALUES ($1, $2, "
                             "$3, $4) RETURNING id"},
                            {"args", {evil, {{"a", {1, nullptr}}}, {true, false}, 0.25}}});
  EXPECT_EQ(ins["rows_affected"], 1);
  EXPECT_EQ(primary_->psql("SELECT body FROM notes"), evil);
  EXPECT_EQ(primary_->psql("SELECT meta FROM notes"), R"({"a": [1, null]})");
  EXPECT_EQ(primary_->psql("SELECT flags FROM notes"), "{t,f}");
  EXPECT_EQ(primary_->psql("SELECT n FROM notes"), "0.25");
  auto q = ok("query", {{"query", "SELECT $1::text IS NULL AS a, $2::int + 1 AS b, $3::text AS c"},
                        {"args", {nullptr, 41, evil}}});
  EXPECT_EQ(q["rows"][0], (json{{"a", true}, {"b", 42}, {"c", evil}}));
  // Stacked statements are refused by PostgreSQL; the table is still there.
  auto stacked = db("main", "execute", {{"query", "SELECT 1; DROP TABLE notes"}});
  EXPECT_EQ(error(stacked, 400, "backend_error")["details"]["sqlstate"], "42601");
  EXPECT_EQ(primary_->psql("SELECT count(*) FROM notes"), "1");
}

TEST_F(DbApi, SqlErrorsAre400WithPostgresOwnFields) {
  auto r = db("main", "query", {{"query", "SELECT * FROM no_such_table"}});
  auto body = error(r, 400, "backend_error");
  EXPECT_EQ(body["error"], "relation \"no_such_table\" does not exist");
  EXPECT_EQ(body["details"]["sqlstate"], "42P01");
  EXPECT_EQ(body["details"]["message"], "relation \"no_such_table\" does not exist");
  EXPECT_EQ(body["details"]["position"], 15);
  EXPECT_TRUE(body["details"].contains("detail"));
  EXPECT_TRUE(body["details"].contains("hint"));

  primary_->psql("DROP TABLE IF EXISTS uq; CREATE TABLE uq (id int PRIMARY KEY)");
  ok("execute", {{"query", "INSERT INTO uq VALUES (1)"}});
  auto dup =
      error(db("main", "execute", {{"query", "INSERT INTO uq VALUES (1)"}}), 400, "backend_error");
  EXPECT_EQ(dup["details"]["sqlstate"], "23505");
  EXPECT_EQ(dup["details"]["detail"], "Key (id)=(1) already exists.");
  auto hint =
      error(db("main", "query", {{"query", "SELECT lower(1, 2, 3)"}}), 400, "backend_error");
  EXPECT_TRUE(hint["details"]["hint"].is_string()) << hint.dump();
}

TEST_F(DbApi, TransactionsAreAllOrNothingAndNameTheFailingStatement) {
  primary_->psql("DROP TABLE IF EXISTS ledger; CREATE TABLE ledger (id int PRIMARY KEY, v int)");
  auto done =
      ok("transaction", {{"statements",
                          {{{"query", "INSERT INTO ledger VALUES ($1, $2)"}, {"args", {1, 100}}},
                           {{"query", "UPDATE ledger SET v = v - $1 WHERE id = 1"}, {"args", {30}}},
                           {{"query", "SELECT v FROM ledger WHERE id = 1"}}}}});
  EXPECT_EQ(done["committed"], true);
  ASSERT_EQ(done["results"].size(), 3u);
  EXPECT_EQ(done["results"][0], (json{{"command", "INSERT"}, {"rows_affected", 1}}));
  EXPECT_EQ(done["results"][2]["rows"], json::parse(R"([{"v":70}])"));
  EXPECT_EQ(primary_->psql("SELECT v FROM ledger"), "70");

  auto failed = db("main", "transaction",
                   {{"statements",
                     {{{"query", "UPDATE ledger SET v = 0"}},
                      {{"query", "INSERT INTO ledger VALUES (2, 1)"}},
                      {{"query", "INSERT INTO ledger VALUES (1, 1)"}}}}});
  auto body = error(failed, 400, "backend_error");
  EXPECT_EQ(body["details"]["index"], 2);
  EXPECT_EQ(body["details"]["sqlstate"], "23505");
  EXPECT_NE(body["error"].get<std::string>().find("statements[2]"), std::string::npos);
  EXPECT_EQ(primary_->psql("SELECT string_agg(id || ':' || v, ',') FROM ledger"), "1:70");

  for (const auto& [level, shown] :
       {std::pair{"serializable", "serializable"}, std::pair{"repeatable_read", "repeatable read"},
        std::pair{"read committed", "read committed"}}) {
    auto iso = ok("transaction", {{"isolation", level},
                                  {"statements", {{{"query", "SHOW transaction_isolation"}}}}});
    EXPECT_EQ(iso["results"][0]["rows"][0]["transaction_isolation"], shown);
  }
  auto ro = db("main", "transaction",
               {{"read_only", true}, {"statements", {{{"query", "DELETE FROM ledger"}}}}});
  EXPECT_EQ(error(ro, 400, "backend_error")["details"]["sqlstate"], "25006");
  EXPECT_EQ(primary_->psql("SELECT count(*) FROM ledger"), "1");
}

TEST_F(DbApi, NamedStatementsRunWhenRawSqlIsOff) {
  primary_->psql(
      "DROP TABLE IF EXISTS locked_users; CREATE TABLE locked_users (id int PRIMARY "
      "KEY, name text)");
  auto list = http_request(daemon_->port(), "GET", "/api/v1/clusters/locked/db/statements");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["allow_raw_sql"], false);
  // In the order of the cluster document (the test built it as a sorted JSON object).
  EXPECT_EQ(list.json()["statements"], json::parse(R"([
      {"name":"add_user","parameters":2,"read_only":false,"timeout_ms":2000},
      {"name":"slow","parameters":1,"read_only":false,"timeout_ms":300},
      {"name":"user_by_id","parameters":1,"read_only":true,"timeout_ms":null}])"));

  auto add = ok("statements/add_user", {{"args", {7, "gina"}}}, "locked");
  EXPECT_EQ(add, (json{{"command", "INSERT"}, {"rows_affected", 1}}));
  auto got = ok("statements/user_by_id", {{"args", {7}}}, "locked");
  EXPECT_EQ(got["rows"], json::parse(R"([{"id":7,"name":"gina"}])"));
  EXPECT_EQ(got["command"], "SELECT");

  // Clients never send SQL to this cluster.
  error(db("locked", "query", {{"query", "SELECT 1"}}), 403, "forbidden");
  error(db("locked", "execute", {{"query", "DELETE FROM locked_users"}}), 403, "forbidden");
  error(db("locked", "transaction", {{"statements", {{{"query", "DELETE FROM locked_users"}}}}}),
        403, "forbidden");
  auto txn = ok("transaction",
                {{"statements",
                  {{{"statement", "add_user"}, {"args", {8, "hal"}}},
                   {{"statement", "user_by_id"}, {"args", {8}}}}}},
                "locked");
  EXPECT_EQ(txn["results"][1]["rows"][0]["name"], "hal");
  error(db("locked", "statements/nope", json::object()), 404, "not_found");
  error(db("locked", "statements/add_user", {{"args", {9}}}), 400, "bad_request");
  // The statement's timeout bounds the call.
  auto slow = db("locked", "statements/slow", {{"args", {5}}});
  error(slow, 504, "timeout");
  EXPECT_EQ(primary_->psql("SELECT string_agg(name, ',' ORDER BY id) FROM locked_users"),
            "gina,hal");
}

TEST_F(DbApi, EveryBadInputIsAClear4xxAndChangesNothing) {
  primary_->psql("DROP TABLE IF EXISTS guarded; CREATE TABLE guarded (id int)");
  const std::string insert = "INSERT INTO guarded VALUES ($1)";
  struct Case {
    std::string cluster, op;
    json body;
    int status;
    std::string code;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"main", "execute", json::object(), 400, "bad_request", "query"},
      {"main", "execute", {{"query", 5}}, 400, "bad_request", "query"},
      {"main", "execute", {{"query", "  "}}, 400, "bad_request", "query"},
      {"main", "execute", {{"query", insert}, {"args", "1"}}, 400, "bad_request", "args"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"extra", 1}},
       400,
       "bad_request",
       "extra"},
      {"main", "execute", {{"query", insert}, {"args", {1, 2}}}, 400, "bad_request", "parameter"},
      {"main",
       "execute",
       {{"query", insert}, {"args", json::array()}},
       400,
       "bad_request",
       "parameter"},
      {"main", "execute", {{"query", insert}, {"args", {"x"}}}, 400, "backend_error", "integer"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"timeout_ms", 0}},
       400,
       "bad_request",
       "timeout_ms"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"max_rows", -1}},
       400,
       "bad_request",
       "max_rows"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"format", "csv"}},
       400,
       "bad_request",
       "format"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"consistency", "strong"}},
       400,
       "bad_request",
       "consistency"},
      {"main",
       "query",
       {{"query", "SELECT 1"}, {"consistency", "maybe"}},
       400,
       "bad_request",
       "consistency"},
      {"main",
       "execute",
       {{"query", std::string("INSERT INTO guarded VALUES (1)\0", 31)}},
       400,
       "bad_request",
       "NUL"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {std::string("a\0", 2)}}},
       400,
       "bad_request",
       "NUL"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"service", "cache"}},
       400,
       "bad_request",
       "not postgres"},
      {"main",
       "execute",
       {{"query", insert}, {"args", {1}}, {"service", "nope"}},
       404,
       "not_found",
       "nope"},
      {"nodb", "execute", {{"query", insert}, {"args", {1}}}, 404, "not_found", "postgres"},
      {"ghost", "execute", {{"query", insert}, {"args", {1}}}, 404, "not_found", "ghost"},
      {"main", "transaction", {{"statements", json::array()}}, 400, "bad_request", "statements"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}}}, {"isolation", "chaos"}},
       400,
       "bad_request",
       "isolation"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}, "x"}}},
       400,
       "bad_request",
       "statements[1]"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}, {{"query", insert}, {"oops", 1}}}}},
       400,
       "bad_request",
       "statements[1].oops"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}, {{"args", {1}}}}}},
       400,
       "bad_request",
       "statements[1]"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}, {{"statement", "none"}}}}},
       404,
       "not_found",
       "none"},
      {"main",
       "transaction",
       {{"statements", {{{"query", insert}, {"args", {1}}}, {{"query", insert}, {"args", {"z"}}}}}},
       400,
       "backend_error",
       "statements[1]"},
  };
  for (const auto& c : cases) {
    auto r = db(c.cluster, c.op, c.body);
    auto body = error(r, c.status, c.code);
    const std::string text = body.dump();
    EXPECT_NE(text.find(c.mentions), std::string::npos) << c.body.dump() << " -> " << text;
  }
  // Not JSON at all, and a JSON body that is not an object.
  error(http_request(daemon_->port(), "POST", "/api/v1/clusters/main/db/execute", "{nope"), 400,
        "invalid_json");
  error(http_request(daemon_->port(), "POST", "/api/v1/clusters/main/db/execute", "[1]"), 400,
        "bad_request");
  EXPECT_EQ(primary_->psql("SELECT count(*) FROM guarded"), "0");
}

TEST_F(DbApi, ATimeoutIs504AndTheQueryIsGoneFromTheServer) {
  auto r = db("main", "query",
              {{"query", "SELECT pg_sleep(30) /* http-timeout */"}, {"timeout_ms", 300}});
  auto body = error(r, 504, "timeout");
  EXPECT_EQ(body["details"]["sqlstate"], "57014");
  EXPECT_TRUE(await_psql(*primary_, active_count("http-timeout"), "0"));
  EXPECT_EQ(ok("query", {{"query", "SELECT 1 AS one"}})["rows"][0]["one"], 1);
}

TEST_F(DbApi, AFullPoolWaitsBoundedThenAnswers503) {
  ok("query", {{"query", "SELECT 1"}}, "solo");
  auto slow = std::async(std::launch::async, [] {
    return db("solo", "query", {{"query", "SELECT pg_sleep(3) /* solo-hog */"}});
  });
  ASSERT_TRUE(await_psql(*primary_, active_count("solo-hog"), "1"));
  // max_waiting is 1: of two more calls one waits (300 ms) and one is refused at once.
  auto second = std::async(std::launch::async, [] {
    return db("solo", "query", {{"query", "SELECT 2"}});
  });
  auto third = std::async(std::launch::async, [] {
    return db("solo", "query", {{"query", "SELECT 3"}});
  });
  std::set<std::string> kinds;
  for (auto* f : {&second, &third}) {
    auto body = error(f->get(), 503, "overloaded");
    const auto message = body["error"].get<std::string>();
    if (message.find("within 300 ms") != std::string::npos) kinds.insert("waited");
    if (message.find("pool exhausted") != std::string::npos) kinds.insert("refused");
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"waited", "refused"}));
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout) << "the wait was bounded";
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(ok("query", {{"query", "SELECT 4 AS v"}}, "solo")["rows"][0]["v"], 4);
}

TEST_F(DbApi, SlowQueriesDoNotHoldUpCacheRequests) {
  // Three slow queries occupy the daemon's only IO thread's database calls ...
  std::vector<std::future<HttpResult>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::async(std::launch::async, [] {
      return db("main", "query", {{"query", "SELECT pg_sleep(2) /* cache-vs-db */"}});
    }));
  }
  ASSERT_TRUE(await_psql(*primary_, active_count("cache-vs-db"), "3"));
  // ... and cache requests started after them finish first.
  for (int i = 0; i < 20; ++i) {
    const std::string key = "k" + std::to_string(i);
    auto set = http_request(daemon_->port(), "POST", "/api/v1/clusters/main/cache/set",
                            json{{"key", key}, {"value", "v"}}.dump());
    ASSERT_EQ(set.status, 200) << set.body;
    auto get = http_request(daemon_->port(), "POST", "/api/v1/clusters/main/cache/get",
                            json{{"key", key}}.dump());
    ASSERT_EQ(get.status, 200) << get.body;
    EXPECT_EQ(get.json()["value"], "v");
  }
  for (auto& f : slow) {
    EXPECT_EQ(f.wait_for(0s), std::future_status::timeout)
        << "a cache request waited for a slow query";
  }
  EXPECT_EQ(redis_->cli({"GET", "k19"}), "v");
  for (auto& f : slow) EXPECT_EQ(f.get().status, 200);
}

TEST_F(DbApi, ReadsGoToTheReplicaWritesAndStrongReadsToThePrimary) {
  const json select = {{"query", "SELECT who FROM whoami"}};
  EXPECT_EQ(who(db("rep", "query", select)), "replica");
  json strong = select;
  strong["consistency"] = "strong";
  EXPECT_EQ(who(db("rep", "query", strong)), "primary");
  EXPECT_EQ(who(db("rep", "execute", select)), "primary");
  EXPECT_EQ(who(db("rep", "transaction", {{"read_only", true}, {"statements", {select}}})),
            "replica");
  EXPECT_EQ(who(db("rep", "transaction", {{"statements", {select}}})), "primary");
  EXPECT_EQ(who(db("rep", "statements/who", json::object())), "replica");
  EXPECT_EQ(who(db("rep", "statements/who", {{"consistency", "strong"}})), "primary");
  EXPECT_EQ(who(db("rep", "statements/who_primary", json::object())), "primary");

  // A replica that cannot be reached: reads fall back to the primary.
  replica_->stop();
  EXPECT_EQ(who(db("rep", "query", select)), "primary");
  EXPECT_EQ(who(db("rep", "query", select)), "primary");
  replica_->start();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    seen = who(db("rep", "query", select));
    if (seen == "replica") break;
    EXPECT_EQ(seen, "primary");
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(seen, "replica") << "reads return to the replica once it is back";
}

TEST_F(DbApi, CallsAreMeasuredAndRecordedWithoutTheirSqlOrArgs) {
  const auto before = parse_prometheus_text(http_request(daemon_->port(), "GET", "/metrics").body);
  const std::map<std::string, std::string> select_ok = {{"cluster", "main"},
                                                        {"service", "db"},
                                                        {"type", "postgres"},
                                                        {"operation", "select"},
                                                        {"outcome", "success"}};
  const std::map<std::string, std::string> select_err = {{"cluster", "main"},
                                                         {"service", "db"},
                                                         {"type", "postgres"},
                                                         {"operation", "select"},
                                                         {"outcome", "error"}};
  for (int i = 0; i < 3; ++i) {
    ok("query", {{"query", "SELECT $1::text AS secret_column"}, {"args", {"s3cr3t-arg-value"}}});
  }
  EXPECT_EQ(db("main", "query", {{"query", "SELECT no_such_column FROM whoami"}}).status, 400);
  ok("transaction", {{"statements", {{{"query", "SELECT 1 AS a"}}, {{"query", "SELECT 2 AS b"}}}}});

  const auto after = parse_prometheus_text(http_request(daemon_->port(), "GET", "/metrics").body);
  EXPECT_EQ(sample(after, "throome_backend_requests_total", select_ok) -
                sample(before, "throome_backend_requests_total", select_ok),
            3);
  EXPECT_EQ(sample(after, "throome_backend_requests_total", select_err) -
                sample(before, "throome_backend_requests_total", select_err),
            1);
  EXPECT_GE(sample(after, "throome_backend_requests_total",
                   {{"cluster", "main"},
                    {"service", "db"},
                    {"type", "postgres"},
                    {"operation", "transaction"},
                    {"outcome", "success"}}),
            1);
  EXPECT_EQ(sample(after, "throome_backend_up",
                   {{"cluster", "main"}, {"service", "db"}, {"type", "postgres"}}),
            1);
  EXPECT_EQ(sample(after, "throome_circuit_breaker_state",
                   {{"cluster", "main"}, {"service", "db"}, {"type", "postgres"}}),
            0);
  EXPECT_GE(sample(after, "throome_pool_connections",
                   {{"cluster", "main"}, {"service", "db"}, {"state", "idle"}}),
            1);

  auto r =
      http_request(daemon_->port(), "GET", "/api/v1/clusters/main/services/db/activity?limit=3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("s3cr3t-arg-value"), std::string::npos) << "an argument was stored";
  EXPECT_EQ(r.body.find("secret_column"), std::string::npos) << "SQL text was stored";
  const json activity = r.json()["activities"];
  ASSERT_EQ(activity.size(), 3u) << r.body;
  EXPECT_EQ(activity[0]["command"], "BEGIN SELECT SELECT COMMIT");
  EXPECT_EQ(activity[0]["status"], "success");
  EXPECT_EQ(activity[1]["command"], "SELECT");
  EXPECT_EQ(activity[1]["status"], "error");
  EXPECT_EQ(activity[2]["service_type"], "postgres");

  const json health =
      json::parse(http_request(daemon_->port(), "GET", "/api/v1/clusters/main/health").body);
  EXPECT_EQ(health["services"]["db"]["type"], "postgres");
  EXPECT_EQ(health["services"]["db"]["healthy"], true) << health.dump();
}

// Last but one: it stops and restarts the primary.
TEST_F(DbApi, FailingHealthChecksAnswer503AtOnceUntilTheyPassAgain) {
  json watched = db_service(primary_->port());
  create("watched", watched, {{"health", {{"interval", 1}, {"timeout", 1}, {"threshold", 1}}}});
  EXPECT_EQ(ok("query", {{"query", "SELECT 1 AS v"}}, "watched")["rows"][0]["v"], 1);
  const auto health = [] {
    return json::parse(http_request(daemon_->port(), "GET", "/api/v1/clusters/watched/health").body,
                       nullptr, false);
  };
  primary_->stop();
  // The active check (SELECT 1 every second) marks the primary down ...
  EXPECT_TRUE(eventually([&] { return health()["services"]["db"]["healthy"] == false; }, 15s))
      << health().dump();
  const json down = health()["services"]["db"];
  EXPECT_NE(down["error_message"].get<std::string>().find("health checks failing"),
            std::string::npos)
      << down.dump();
  // ... and calls are refused at once, naming why, without waiting for a connection.
  const auto started = std::chrono::steady_clock::now();
  auto refused = db("watched", "query", {{"query", "SELECT 1"}});
  const auto took = std::chrono::steady_clock::now() - started;
  auto body = error(refused, 503, "backend_unavailable");
  EXPECT_NE(body["error"].get<std::string>().find("health checks failing"), std::string::npos)
      << refused.body;
  EXPECT_LT(took, 1s);
  const auto metrics = parse_prometheus_text(http_request(daemon_->port(), "GET", "/metrics").body);
  EXPECT_EQ(sample(metrics, "throome_backend_up",
                   {{"cluster", "watched"}, {"service", "db"}, {"type", "postgres"}}),
            0);

  primary_->start();
  EXPECT_TRUE(eventually([&] { return health()["services"]["db"]["healthy"] == true; }, 15s))
      << health().dump();
  EXPECT_EQ(ok("query", {{"query", "SELECT 3 AS v"}}, "watched")["rows"][0]["v"], 3);
  EXPECT_EQ(http_request(daemon_->port(), "DELETE", "/api/v1/clusters/watched").status, 200);
}

// Last: it restarts the primary.
TEST_F(DbApi, PostgresStoppedAndStartedMidRunIs503ThenRecovers) {
  EXPECT_EQ(ok("query", {{"query", "SELECT 1 AS v"}})["rows"][0]["v"], 1);
  primary_->stop();
  for (int i = 0; i < 3; ++i) {
    auto r = db("main", "query", {{"query", "SELECT 1"}});
    error(r, 503, "backend_unavailable");
  }
  // The cache of the same cluster is unaffected.
  auto cache = http_request(daemon_->port(), "POST", "/api/v1/clusters/main/cache/get",
                            json{{"key", "k1"}}.dump());
  EXPECT_EQ(cache.status, 200) << cache.body;
  primary_->start();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  HttpResult r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = db("main", "query", {{"query", "SELECT 2 AS v"}});
    if (r.status == 200) break;
    error(r, 503, "backend_unavailable");
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["rows"][0]["v"], 2);
  auto write = ok("execute", {{"query", "INSERT INTO whoami VALUES ('after')"}});
  EXPECT_EQ(write["rows_affected"], 1);
  EXPECT_EQ(primary_->psql("SELECT count(*) FROM whoami WHERE who = 'after'"), "1");
}

}  // namespace
}  // namespace throome::testing
