#include "throome/client/cli_format.hpp"

#include <gtest/gtest.h>

namespace throome::client {
namespace {

using nlohmann::json;
using Kind = ClientError::Kind;

TEST(CliFormatTest, ParsesOutputFormats) {
  EXPECT_EQ(parse_output_format("table"), OutputFormat::table);
  EXPECT_EQ(parse_output_format("json"), OutputFormat::json);
  EXPECT_EQ(parse_output_format("yaml"), OutputFormat::yaml);
  EXPECT_EQ(parse_output_format("xml"), std::nullopt);
  EXPECT_EQ(parse_output_format("JSON"), std::nullopt);
}

TEST(CliFormatTest, PrettyJsonUsesTwoSpacesAndEndsWithNewline) {
  const json doc = {{"a", json::array({1, "\xC3\xA9"})}};
  EXPECT_EQ(to_pretty_json(doc), "{\n  \"a\": [\n    1,\n    \"\xC3\xA9\"\n  ]\n}\n");
  EXPECT_EQ(json::parse(to_pretty_json(doc)), doc);
  EXPECT_EQ(format_document(doc, OutputFormat::json), to_pretty_json(doc));
  EXPECT_EQ(format_document({{"a", 1}}, OutputFormat::yaml), "a: 1\n");
}

TEST(CliFormatTest, ListsClustersAsATable) {
  const json clusters = json::parse(R"([
    {"id": "shop-01", "name": "Shop", "created_at": "2025-01-01T00:00:00Z",
     "updated_at": "2025-01-01T00:00:00Z",
     "services": [{"name": "cache", "type": "redis", "host": "h", "port": 1, "healthy": true},
                  {"name": "db", "type": "postgres", "host": "h", "port": 2, "healthy": false}]},
    {"id": "b", "name": "A longer name", "created_at": "2025-02-03T04:05:06Z", "services": []}
  ])");
  EXPECT_EQ(format_cluster_list(clusters),
            "ID       NAME           SERVICES  CREATED\n"
            "shop-01  Shop           2         2025-01-01T00:00:00Z\n"
            "b        A longer name  0         2025-02-03T04:05:06Z\n");
  EXPECT_EQ(format_cluster_list(json::array()), "no clusters\n");
}

TEST(CliFormatTest, MissingFieldsShowAsDash) {
  EXPECT_EQ(format_cluster_list(json::parse(R"([{"id": "x"}])")),
            "ID  NAME  SERVICES  CREATED\n"
            "x   -     0         -\n");
}

TEST(CliFormatTest, ShowsOneClusterWithItsServices) {
  const json cluster = json::parse(R"({
    "id": "shop-01", "name": "Shop", "description": "",
    "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02T00:00:00Z",
    "config": {
      "services": {
        "cache": {"type": "redis", "host": "127.0.0.1", "port": 6379, "healthy": true},
        "db": {"type": "postgres", "host": "db.local", "port": 5432, "password": "********",
               "healthy": false},
        "events": {"type": "kafka", "host": "k", "port": 9092}
      },
      "routing": {"strategy": "round_robin"}
    }
  })");
  EXPECT_EQ(format_cluster(cluster),
            "ID:        shop-01\n"
            "NAME:      Shop\n"
            "CREATED:   2025-01-01T00:00:00Z\n"
            "UPDATED:   2025-01-02T00:00:00Z\n"
            "STRATEGY:  round_robin\n"
            "\n"
            "SERVICE  TYPE      HOST       PORT  HEALTHY\n"
            "cache    redis     127.0.0.1  6379  yes\n"
            "db       postgres  db.local   5432  no\n"
            "events   kafka     k          9092  unknown\n");
}

TEST(CliFormatTest, ShowsDescriptionAndServicesGivenAsAnArray) {
  const json cluster = json::parse(R"({
    "id": "a", "name": "A", "description": "two\nlines",
    "services": [{"name": "c", "type": "redis", "host": "h", "port": 1}]
  })");
  EXPECT_EQ(format_cluster(cluster),
            "ID:           a\n"
            "NAME:         A\n"
            "DESCRIPTION:  two lines\n"
            "CREATED:      -\n"
            "UPDATED:      -\n"
            "\n"
            "SERVICE  TYPE   HOST  PORT  HEALTHY\n"
            "c        redis  h     1     unknown\n");
  EXPECT_NE(format_cluster(json::parse(R"({"id": "a"})")).find("no services\n"), std::string::npos);
}

TEST(CliFormatTest, SummarizesCreateDeleteAndHealth) {
  EXPECT_EQ(format_created(json::parse(
                R"({"id": "shop-01", "name": "Shop", "services": [{"name": "a"}, {"name": "b"}],
                    "message": "cluster created", "warnings": []})")),
            "created cluster \"shop-01\" (name \"Shop\", 2 services)\n");
  EXPECT_EQ(format_created(json::parse(R"({"id": "x", "services": [{}]})")),
            "created cluster \"x\" (1 service)\n");
  EXPECT_EQ(format_deleted(json::parse(R"({"message": "cluster deleted", "id": "x"})"), "x"),
            "deleted cluster \"x\"\n");
  EXPECT_EQ(format_deleted(json::object(), "y"), "deleted cluster \"y\"\n");
  EXPECT_EQ(
      format_health(json::parse(R"({"status": "healthy", "timestamp": 1, "version": "0.1.0"})"),
                    "http://127.0.0.1:9000"),
      "STATUS:   healthy\n"
      "VERSION:  0.1.0\n"
      "SERVER:   http://127.0.0.1:9000\n");
}

TEST(CliFormatTest, FormatsIssues) {
  EXPECT_EQ(format_issue(json::parse(R"({"path": "services.db.port", "message": "too big"})")),
            "services.db.port: too big");
  EXPECT_EQ(format_issue(json::parse(R"({"path": "", "message": "empty document"})")),
            "empty document");
  EXPECT_EQ(format_issue("unknown key x"), "unknown key x");
  EXPECT_EQ(format_issue(json(3)), "3");
}

TEST(CliFormatTest, DescribesHttpErrorsOnOneLine) {
  const ClientError not_found(Kind::http, "cluster \"x\" not found", 404,
                              {{"error", "cluster \"x\" not found"}, {"details", nullptr}});
  EXPECT_EQ(describe_error(not_found), "cluster \"x\" not found (404)");

  const ClientError invalid(
      Kind::http, "invalid cluster config", 400,
      json::parse(R"({"error": "invalid cluster config", "status": 400, "details": [
          {"path": "services.db.port", "message": "must be between 1 and 65535"},
          {"path": "name", "message": "is required"}]})"));
  EXPECT_EQ(describe_error(invalid),
            "invalid cluster config (400): services.db.port: must be between 1 and 65535; "
            "name: is required");

  const ClientError first_issue(
      Kind::http, "name: is required", 400,
      json::parse(R"({"error": "name: is required", "code": "validation_failed", "details": [
          {"path": "name", "message": "is required"},
          {"path": "services.a.port", "message": "must be between 1 and 65535"}]})"));
  EXPECT_EQ(describe_error(first_issue),
            "validation failed (400): name: is required; services.a.port: must be between 1 "
            "and 65535");
  ClientError no_code(Kind::http, "name: is required", 400,
                      json::parse(R"({"details": [{"path": "name", "message": "is required"}]})"));
  EXPECT_EQ(describe_error(no_code), "invalid request (400): name: is required");

  const ClientError with_text(Kind::http, "bad request", 400,
                              {{"error", "bad request"}, {"details", "line 3:\tno colon"}});
  EXPECT_EQ(describe_error(with_text), "bad request (400): line 3: no colon");

  const ClientError plain(Kind::http, "HTTP 502 Bad Gateway", 502, "<html>");
  EXPECT_EQ(describe_error(plain), "HTTP 502 Bad Gateway");
}

TEST(CliFormatTest, DescribesOtherErrorsByTheirMessage) {
  EXPECT_EQ(describe_error(ClientError(Kind::transport,
                                       "cannot reach http://127.0.0.1:9: Connection refused")),
            "cannot reach http://127.0.0.1:9: Connection refused");
  EXPECT_EQ(one_line("a\nb\r\n"), "a b");
}

}  // namespace
}  // namespace throome::client
