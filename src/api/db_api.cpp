#include "throome/api/db_api.hpp"

#include <algorithm>
#include <cctype>

#include "throome/api/body.hpp"
#include "throome/api/fields.hpp"
#include "throome/http/error_response.hpp"
#include "throome/router/router.hpp"

namespace throome::api {
namespace {

namespace asio = boost::asio;
using http::Access;
using http::Request;
using http::Response;
using nlohmann::json;
using router::Consistency;
using router::Router;

constexpr std::size_t kMaxArgs = 65'535;  // PostgreSQL's limit on parameters
constexpr std::int64_t kDefaultMaxRows = 10'000;
constexpr std::int64_t kMaxRows = 1'000'000;
constexpr std::int64_t kMaxTimeoutMs = 600'000;
constexpr std::size_t kMaxStatements = 1'000;

// Fields every db call accepts besides its own.
constexpr std::string_view kCommonFields[] = {"service", "timeout_ms", "max_rows", "format"};

// Everything a db handler needs, resolved once per request.
struct Call {
  cluster::ClusterPtr cluster;  // keeps the backends alive for the whole request
  json body;
  std::string service;
  postgres::ExecOptions options;
  std::optional<std::int64_t> timeout_ms;  // as requested
  Consistency consistency = Consistency::eventual;
};

Result<cluster::ClusterPtr> find_cluster(cluster::Registry& registry, const Request& req) {
  const auto& id = req.param("id");
  auto c = registry.find(id);
  if (!c) return Error(Errc::not_found, "cluster \"" + id + "\" not found");
  return c;
}

Result<Consistency> parse_consistency(const Fields& f) {
  auto text = f.optional_string("consistency");
  if (!text) return text.error();
  if (!*text || **text == "eventual") return Consistency::eventual;
  if (**text == "strong") return Consistency::strong;
  return field_error("consistency", "must be \"eventual\" or \"strong\"");
}

// Parses the body, rejects unknown fields, finds the cluster, reads the common options.
Result<Call> prepare(cluster::Registry& registry, const Request& req,
                     std::initializer_list<std::string_view> fields) {
  auto cluster = find_cluster(registry, req);
  if (!cluster) return cluster.error();
  auto body = parse_json_body(req);
  if (!body) return body.error();
  if (!body->is_object()) return Error(Errc::bad_request, "request body must be a JSON object");
  for (const auto& [key, value] : body->items()) {
    const bool known = std::find(std::begin(kCommonFields), std::end(kCommonFields), key) !=
                           std::end(kCommonFields) ||
                       std::find(fields.begin(), fields.end(), key) != fields.end();
    if (!known) return field_error(key, "is not a known field");
  }
  Fields f(*body);
  Call call;
  auto service = f.optional_string("service");
  if (!service) return service.error();
  call.service = service->value_or("");
  auto timeout = f.optional_int("timeout_ms", 1, kMaxTimeoutMs);
  if (!timeout) return timeout.error();
  call.timeout_ms = *timeout;
  auto max_rows = f.optional_int("max_rows", 1, kMaxRows);
  if (!max_rows) return max_rows.error();
  call.options.max_rows = static_cast<std::size_t>(max_rows->value_or(kDefaultMaxRows));
  auto format = f.optional_string("format");
  if (!format) return format.error();
  if (*format && **format == "arrays") {
    call.options.format = postgres::RowFormat::arrays;
  } else if (*format && **format != "objects") {
    return field_error("format", "must be \"objects\" or \"arrays\"");
  }
  if (std::find(fields.begin(), fields.end(), "consistency") != fields.end()) {
    auto consistency = parse_consistency(f);
    if (!consistency) return consistency.error();
    call.consistency = *consistency;
  }
  call.options.timeout =
      std::chrono::milliseconds(call.timeout_ms.value_or((*cluster)->config().routing.timeout_ms));
  call.cluster = std::move(*cluster);
  call.body = std::move(*body);
  return call;
}

Result<std::string> sql_text(const json& v, const std::string& field) {
  if (!v.is_string()) return field_error(field, "must be a string");
  const auto& text = v.get_ref<const std::string&>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return field_error(field, "must not be empty");
  }
  if (text.find('\0') != std::string::npos) {
    return field_error(field, "must not contain NUL characters");
  }
  return text;
}

Result<std::vector<json>> args_of(const json* v, const std::string& field) {
  std::vector<json> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return field_error(field, "must be an array");
  if (v->size() > kMaxArgs) {
    return field_error(field, "has more than " + std::to_string(kMaxArgs) + " values");
  }
  out.assign(v->begin(), v->end());
  return out;
}

Error raw_sql_forbidden() {
  return Error(Errc::forbidden, "raw SQL is disabled for this cluster (db.allow_raw_sql: false)",
               "run a named statement: POST db/statements/{name}; GET db/statements lists them");
}

// {query, args} of the body as a statement (raw SQL allowed?).
Result<postgres::Statement> raw_statement(const Call& call) {
  if (!call.cluster->config().db.allow_raw_sql) return raw_sql_forbidden();
  Fields f(call.body);
  const auto* q = f.find("query");
  if (q == nullptr) return field_error("query", "is required");
  auto sql = sql_text(*q, "query");
  if (!sql) return sql.error();
  auto args = args_of(f.find("args"), "args");
  if (!args) return args.error();
  return postgres::Statement{std::move(*sql), std::move(*args)};
}

Result<const config::StatementConfig*> named(const cluster::Cluster& cluster,
                                             const std::string& name) {
  const auto* s = cluster.config().find_statement(name);
  if (s == nullptr) {
    return Error(Errc::not_found,
                 "statement \"" + name + "\" not found in cluster \"" + cluster.id() + "\"",
                 "GET db/statements lists the named statements");
  }
  return s;
}

json column_json(const postgres::Column& c) {
  json out = {{"name", c.name}, {"type", c.type}};
  if (c.key != c.name) out["key"] = c.key;
  return out;
}

json columns_json(const std::vector<postgres::Column>& columns) {
  json out = json::array();
  for (const auto& c : columns) out.push_back(column_json(c));
  return out;
}

// The rows of a result: {"rows", "columns", "row_count", "truncated"}.
void add_rows(json& out, postgres::StatementResult& r) {
  out["row_count"] = r.rows.size();
  out["columns"] = columns_json(r.columns);
  out["rows"] = std::move(r.rows);
  out["truncated"] = r.truncated;
}

// A statement of a transaction or a named statement: its command, and its rows if it has any.
json statement_json(postgres::StatementResult& r) {
  json out = {{"command", r.command}, {"rows_affected", r.rows_affected}};
  if (r.returns_rows) add_rows(out, r);
  return out;
}

bool connect_failure(const Error& e) {
  return e.code() == Errc::backend_unavailable && e.details().is_object() &&
         e.details().value("phase", "") == "connect";
}

// The router's gate for a backend: an open breaker or failing health checks answer 503 at
// once, without touching it.
Result<void> admit(const router::PostgresTarget& t, std::string_view service) {
  if (t.state == nullptr || t.state->available()) return {};
  const auto& health = t.state->health();
  std::string why =
      !health.healthy()
          ? "health checks failing"
          : "circuit breaker " +
                std::string(router::CircuitBreaker::to_string(t.state->breaker().state()));
  if (!health.healthy() && !health.last_error().empty()) why += ": " + health.last_error();
  return Error(Errc::backend_unavailable, "postgres backend of service \"" + std::string(service) +
                                              "\" is unavailable (" + why + ")");
}

// Tells the router's state how a call went: only an unreachable backend counts as a failure
// (a SQL error or a statement timeout says nothing about the server's health).
template <class R>
void settle(const router::PostgresTarget& t, const Result<R>& r,
            std::chrono::steady_clock::time_point started) {
  if (t.state == nullptr) return;
  const bool down = !r && r.error().code() == Errc::backend_unavailable;
  t.state->end(!down, std::chrono::steady_clock::now() - started);
}

// Runs `run(client)` on the backend the router picks; a read sent to a replica that cannot be
// reached (nothing was sent) runs on the primary instead.
template <class R, class Run>
asio::awaitable<Result<R>> on_backend(const Call& call, bool read_only, const Run& run) {
  auto target = Router::postgres_for(*call.cluster, read_only, call.consistency, call.service);
  if (!target) co_return target.error();
  const std::string service = call.service.empty() && !call.cluster->backends().postgres.empty()
                                  ? call.cluster->backends().postgres.front().service
                                  : call.service;
  if (target->replica && admit(*target, service)) {
    if (target->state != nullptr) target->state->begin();
    const auto started = std::chrono::steady_clock::now();
    auto op = run(*target->client, true);
    Result<R> result = co_await std::move(op);
    settle(*target, result, started);
    if (result || !connect_failure(result.error())) co_return result;
  }
  auto primary = Router::postgres_for(*call.cluster, false, Consistency::strong, call.service);
  if (!primary) co_return primary.error();
  if (auto gate = admit(*primary, service); !gate) co_return gate.error();
  if (primary->state != nullptr) primary->state->begin();
  const auto started = std::chrono::steady_clock::now();
  auto op = run(*primary->client, false);
  Result<R> result = co_await std::move(op);
  settle(*primary, result, started);
  co_return result;
}

asio::awaitable<Result<postgres::StatementResult>> run_one(const Call& call, bool read_only,
                                                           postgres::Statement statement) {
  // `copy`: the statement may be needed again on the primary after a replica failed.
  const auto run = [&](postgres::Client& client, bool copy) {
    return client.run(copy ? statement : std::move(statement), call.options);
  };
  auto op = on_backend<postgres::StatementResult>(call, read_only, run);
  co_return co_await std::move(op);
}

asio::awaitable<Result<std::vector<postgres::StatementResult>>> run_transaction(
    const Call& call, std::vector<postgres::Statement> statements,
    postgres::TransactionOptions options) {
  const auto run = [&](postgres::Client& client, bool copy) {
    return client.transaction(copy ? statements : std::move(statements), options, call.options);
  };
  auto op = on_backend<std::vector<postgres::StatementResult>>(call, options.read_only, run);
  co_return co_await std::move(op);
}

Result<postgres::Isolation> parse_isolation(const Fields& f) {
  auto text = f.optional_string("isolation");
  if (!text) return text.error();
  if (!*text) return postgres::Isolation::default_level;
  std::string level;
  for (char c : **text) {
    level.push_back(c == '_' || c == '-'
                        ? ' '
                        : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (level == "read committed") return postgres::Isolation::read_committed;
  if (level == "repeatable read") return postgres::Isolation::repeatable_read;
  if (level == "serializable") return postgres::Isolation::serializable;
  return field_error("isolation",
                     "must be \"read committed\", \"repeatable read\" or \"serializable\"");
}

}  // namespace

DbApi::DbApi(cluster::Registry& registry) : registry_(registry) {}

void DbApi::register_routes(http::RouteTable& routes) {
  const std::string base = "/api/v1/clusters/{id}/db/";
  auto bind = [this](Handler h) { return [this, h](Request& req) { return (this->*h)(req); }; };
  routes.add("POST", base + "query", Access::read, bind(&DbApi::query));
  routes.add("POST", base + "execute", Access::write, bind(&DbApi::execute));
  routes.add("POST", base + "transaction", Access::read, bind(&DbApi::transaction));
  routes.add("GET", base + "statements", Access::read, bind(&DbApi::list_statements));
  routes.add("POST", base + "statements/{name}", Access::write, bind(&DbApi::run_statement));
}

asio::awaitable<Response> DbApi::query(Request& req) {
  auto call = prepare(registry_, req, {"query", "args", "consistency"});
  if (!call) co_return http::error_response(req, call.error());
  auto statement = raw_statement(*call);
  if (!statement) co_return http::error_response(req, statement.error());
  if (req.read_only) {
    // A read-only API key: the statement runs inside a READ ONLY transaction, so PostgreSQL
    // itself refuses any write the SQL text may hide.
    std::vector<postgres::Statement> one;
    one.push_back(std::move(*statement));
    auto tx =
        run_transaction(*call, std::move(one),
                        postgres::TransactionOptions{postgres::Isolation::default_level, true});
    auto results = co_await std::move(tx);
    if (!results) co_return http::error_response(req, results.error());
    json out = json::object();
    if (!results->empty()) add_rows(out, results->front());
    co_return Response::json(200, out);
  }
  auto op = run_one(*call, true, std::move(*statement));
  auto result = co_await std::move(op);
  if (!result) co_return http::error_response(req, result.error());
  json out = json::object();
  add_rows(out, *result);
  co_return Response::json(200, out);
}

asio::awaitable<Response> DbApi::execute(Request& req) {
  auto call = prepare(registry_, req, {"query", "args"});
  if (!call) co_return http::error_response(req, call.error());
  auto statement = raw_statement(*call);
  if (!statement) co_return http::error_response(req, statement.error());
  auto op = run_one(*call, false, std::move(*statement));
  auto result = co_await std::move(op);
  if (!result) co_return http::error_response(req, result.error());
  co_return Response::json(200, statement_json(*result));
}

asio::awaitable<Response> DbApi::transaction(Request& req) {
  auto call = prepare(registry_, req, {"statements", "isolation", "read_only", "consistency"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto isolation = parse_isolation(f);
  if (!isolation) co_return http::error_response(req, isolation.error());
  auto read_only = f.boolean("read_only", false);
  if (!read_only) co_return http::error_response(req, read_only.error());
  const auto* items = f.find("statements");
  if (items == nullptr) {
    co_return http::error_response(req, field_error("statements", "is required"));
  }
  if (!items->is_array() || items->empty()) {
    co_return http::error_response(
        req, field_error("statements", "must be a non-empty array of {query, args}"));
  }
  if (items->size() > kMaxStatements) {
    co_return http::error_response(
        req, field_error("statements",
                         "has more than " + std::to_string(kMaxStatements) + " statements"));
  }
  std::vector<postgres::Statement> statements;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    const std::string at = "statements[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      co_return http::error_response(req, field_error(at, "must be an object {query, args}"));
    }
    for (const auto& [key, value] : item.items()) {
      if (key != "query" && key != "statement" && key != "args") {
        co_return http::error_response(req, field_error(at + "." + key, "is not a known field"));
      }
    }
    auto args = args_of(item.contains("args") ? &item["args"] : nullptr, at + ".args");
    if (!args) co_return http::error_response(req, args.error());
    const bool has_query = item.contains("query") && !item["query"].is_null();
    const bool has_name = item.contains("statement") && !item["statement"].is_null();
    if (has_query == has_name) {
      co_return http::error_response(
          req, Error(Errc::bad_request, "field \"" + at +
                                            "\" needs exactly one of \"query\" (SQL) and "
                                            "\"statement\" (a named statement)"));
    }
    if (has_query) {
      if (!call->cluster->config().db.allow_raw_sql) {
        co_return http::error_response(req, raw_sql_forbidden());
      }
      auto sql = sql_text(item["query"], at + ".query");
      if (!sql) co_return http::error_response(req, sql.error());
      statements.push_back({std::move(*sql), std::move(*args)});
    } else {
      if (!item["statement"].is_string()) {
        co_return http::error_response(req, field_error(at + ".statement", "must be a string"));
      }
      auto s = named(*call->cluster, item["statement"].get<std::string>());
      if (!s) co_return http::error_response(req, s.error());
      statements.push_back({(*s)->sql, std::move(*args)});
    }
  }
  // A read-only API key's transactions are READ ONLY whatever the body says.
  postgres::TransactionOptions options{*isolation, *read_only || req.read_only};
  auto op = run_transaction(*call, std::move(statements), options);
  auto results = co_await std::move(op);
  if (!results) co_return http::error_response(req, results.error());
  json out = {{"committed", true}, {"results", json::array()}};
  for (auto& r : *results) out["results"].push_back(statement_json(r));
  co_return Response::json(200, out);
}

asio::awaitable<Response> DbApi::list_statements(Request& req) {
  auto cluster = find_cluster(registry_, req);
  if (!cluster) co_return http::error_response(req, cluster.error());
  const auto& cfg = (*cluster)->config();
  json list = json::array();
  for (const auto& s : cfg.statements) {
    list.push_back({{"name", s.name},
                    {"parameters", config::scan_placeholders(s.sql).max},
                    {"read_only", s.read_only},
                    {"timeout_ms", s.timeout_ms ? json(*s.timeout_ms) : json(nullptr)}});
  }
  co_return Response::json(200, {{"statements", list}, {"allow_raw_sql", cfg.db.allow_raw_sql}});
}

asio::awaitable<Response> DbApi::run_statement(Request& req) {
  auto call = prepare(registry_, req, {"args", "consistency"});
  if (!call) co_return http::error_response(req, call.error());
  auto s = named(*call->cluster, req.param("name"));
  if (!s) co_return http::error_response(req, s.error());
  const config::StatementConfig& statement = **s;
  // The statement's own timeout bounds the call; a request may only shorten it.
  if (statement.timeout_ms) {
    call->options.timeout = std::chrono::milliseconds(
        std::min<std::int64_t>(*statement.timeout_ms, call->timeout_ms.value_or(kMaxTimeoutMs)));
  }
  auto args = args_of(Fields(call->body).find("args"), "args");
  if (!args) co_return http::error_response(req, args.error());
  postgres::Statement st{statement.sql, std::move(*args)};
  auto op = run_one(*call, statement.read_only, std::move(st));
  auto result = co_await std::move(op);
  if (!result) co_return http::error_response(req, result.error());
  co_return Response::json(200, statement_json(*result));
}

}  // namespace throome::api
