#include "adapters/postgres/connection.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <set>

namespace throome::postgres::detail {
namespace {

using nlohmann::json;
using PgResult = std::unique_ptr<PGresult, void (*)(PGresult*)>;

PgResult wrap(PGresult* r) { return PgResult(r, PQclear); }

void ignore_notice(void*, const char*) {}

// libpq messages end with a newline and may span lines; one line for an error message.
std::string one_line(const char* text) {
  std::string out;
  bool space = false;
  for (const char* p = text != nullptr ? text : ""; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\r' || *p == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(*p);
  }
  return out;
}

json field_or_null(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v != nullptr ? json(v) : json(nullptr);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string oid_array_literal(const std::vector<Oid>& oids) {
  std::string out = "{";
  for (std::size_t i = 0; i < oids.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(oids[i]);
  }
  out.push_back('}');
  return out;
}

// One row of pg_type.
struct TypeRow {
  std::string name;
  char typtype = 'b';
  char category = 'U';
  Oid element = 0;
  Oid base = 0;
  char delimiter = ',';
};

Oid to_oid(const char* text) {
  Oid v = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), v);
  return v;
}

}  // namespace

bool Canceller::cancel() const {
  if (cancel_ == nullptr) return false;
  char err[256];
  return PQcancel(cancel_, err, sizeof err) == 1;
}

Errc errc_for_sqlstate(std::string_view state) {
  if (state.size() == 5 && state.substr(0, 2) == "08") return Errc::backend_unavailable;
  if (state == "57P01" || state == "57P02" || state == "57P03" || state == "53300") {
    return Errc::backend_unavailable;
  }
  if (state == "57014") return Errc::timeout;
  return Errc::backend_error;
}

std::string command_verb(std::string_view tag) {
  std::string out;
  std::size_t pos = 0;
  while (pos < tag.size()) {
    auto end = tag.find(' ', pos);
    if (end == std::string_view::npos) end = tag.size();
    const auto word = tag.substr(pos, end - pos);
    if (!word.empty() && !all_digits(word)) {
      if (!out.empty()) out.push_back(' ');
      out.append(word);
    }
    pos = end + 1;
  }
  return out;
}

Result<std::unique_ptr<Connection>> Connection::open(const ConnectionSettings& settings,
                                                     TypeCache& types) {
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : settings.params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr) {
    return Error(Errc::backend_unavailable, "cannot allocate a PostgreSQL connection",
                 json{{"phase", "connect"}});
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = one_line(PQerrorMessage(conn));
    PQfinish(conn);
    return Error(Errc::backend_unavailable,
                 "cannot connect to PostgreSQL at " + settings.endpoint + ": " + why,
                 json{{"phase", "connect"}});
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, settings, types));
}

Connection::Connection(PGconn* conn, const ConnectionSettings& settings, TypeCache& types)
    : conn_(conn),
      types_(types),
      cache_size_(settings.statement_cache_size),
      endpoint_(settings.endpoint),
      canceller_(std::make_shared<Canceller>(conn)),
      created_at_(std::chrono::steady_clock::now()),
      last_used_(created_at_),
      timeout_ms_(settings.default_timeout.count()) {}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::usable() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  // A server that closed an idle connection sent an error and EOF: read them now, not in
  // the middle of the next request.
  for (int i = 0; i < 4; ++i) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) == 0) {
      broken_ = true;
      return false;
    }
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

bool Connection::broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

Error Connection::lost(std::string_view what) const {
  return Error(Errc::backend_unavailable,
               "connection to PostgreSQL at " + endpoint_ + " lost (" + std::string(what) +
                   "): " + one_line(PQerrorMessage(conn_)),
               json{{"phase", "execute"}});
}

Error Connection::failure(const PGresult* result) const {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) return lost("no SQLSTATE");
  json details = {
      {"sqlstate", state},
      {"message", field_or_null(result, PG_DIAG_MESSAGE_PRIMARY)},
      {"detail", field_or_null(result, PG_DIAG_MESSAGE_DETAIL)},
      {"hint", field_or_null(result, PG_DIAG_MESSAGE_HINT)},
      {"position", nullptr},
  };
  if (const char* pos = PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION)) {
    int p = 0;
    std::from_chars(pos, pos + std::char_traits<char>::length(pos), p);
    details["position"] = p;
  }
  const std::pair<int, const char*> optional_fields[] = {
      {PG_DIAG_SCHEMA_NAME, "schema"},         {PG_DIAG_TABLE_NAME, "table"},
      {PG_DIAG_COLUMN_NAME, "column"},         {PG_DIAG_DATATYPE_NAME, "data_type"},
      {PG_DIAG_CONSTRAINT_NAME, "constraint"},
  };
  for (const auto& [code, name] : optional_fields) {
    if (const char* v = PQresultErrorField(result, code)) details[name] = v;
  }
  const Errc code = errc_for_sqlstate(state);
  std::string message = details["message"].is_string() ? details["message"].get<std::string>()
                                                       : one_line(PQresultErrorMessage(result));
  return Error(code, std::move(message), std::move(details));
}

Result<void> Connection::command(const std::string& sql) {
  auto r = wrap(PQexec(conn_, sql.c_str()));
  if (!r) return lost(sql);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    auto error = failure(r.get());
    if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
    return error;
  }
  return {};
}

Result<void> Connection::set_timeout(std::chrono::milliseconds timeout) {
  if (timeout.count() == timeout_ms_) return {};
  auto r = command("SET statement_timeout = " + std::to_string(timeout.count()));
  if (!r) return r;
  timeout_ms_ = timeout.count();
  return {};
}

void Connection::note_command(std::string_view tag) {
  if (tag == "SET" || tag == "RESET" || tag == "DISCARD ALL") timeout_ms_ = -1;
  if (tag == "DISCARD ALL" || tag == "DEALLOCATE ALL") forget_all();
}

void Connection::forget(const std::string& sql, bool exists_on_server, const std::string* name) {
  auto it = index_.find(sql);
  if (it == index_.end()) return;
  auto node = it->second;
  if (name != nullptr && node->second->name != *name) return;  // already prepared again
  if (exists_on_server && !node->second->name.empty()) {
    to_deallocate_.push_back(node->second->name);
  }
  index_.erase(it);
  lru_.erase(node);
}

void Connection::forget_all() {
  index_.clear();
  lru_.clear();
  to_deallocate_.clear();
}

Result<std::shared_ptr<const Prepared>> Connection::prepared(const std::string& sql,
                                                             bool in_transaction) {
  if (auto hit = cached(sql)) return hit;
  if (cache_size_ == 0) {
    auto p = prepare(sql, "", in_transaction);
    if (!p) return p.error();
    lru_.clear();  // holds at most the unnamed statement, never indexed
    lru_.emplace_front(sql, *p);
    return *p;
  }
  auto p = prepare(sql, reserve_name(), in_transaction);
  if (!p) return p.error();
  lru_.emplace_front(sql, *p);
  index_.emplace(lru_.front().first, lru_.begin());
  return *p;
}

std::shared_ptr<const Prepared> Connection::cached(const std::string& sql) {
  auto it = index_.find(sql);
  if (it == index_.end()) return nullptr;
  if (it->second != lru_.begin()) lru_.splice(lru_.begin(), lru_, it->second);
  return lru_.front().second;
}

void Connection::evict_for_one_more() {
  while (!lru_.empty() && lru_.size() >= cache_size_) {
    auto& victim = lru_.back();
    if (!victim.second->name.empty()) to_deallocate_.push_back(victim.second->name);
    index_.erase(victim.first);
    lru_.pop_back();
  }
}

std::string Connection::reserve_name() {
  evict_for_one_more();
  return "throome_" + std::to_string(++next_name_);
}

std::vector<std::string> Connection::take_deallocations() {
  std::vector<std::string> out;
  out.swap(to_deallocate_);
  return out;
}

bool Connection::knows_types(const PGresult* describe) const {
  for (int i = 0; i < PQnparams(describe); ++i) {
    const Oid oid = PQparamtype(describe, i);
    if (oid != 0 && !types_.find(oid)) return false;
  }
  for (int j = 0; j < PQnfields(describe); ++j) {
    const Oid oid = PQftype(describe, j);
    if (oid == 0) continue;
    auto type = types_.find(oid);
    if (!type) return false;
    if (type->kind == Kind::array && type->element != 0 && !types_.find(type->element)) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<const Prepared> Connection::adopt(const std::string& sql, const std::string& name,
                                                  const PGresult* describe) {
  auto p = from_describe(name, describe);
  // A statement prepared twice (a retry raced another) replaces the older entry.
  forget(sql, true);
  evict_for_one_more();
  lru_.emplace_front(sql, p);
  index_.emplace(lru_.front().first, lru_.begin());
  return p;
}

Result<std::shared_ptr<const Prepared>> Connection::prepare(const std::string& sql,
                                                            const std::string& name,
                                                            bool in_transaction) {
  // One round trip: [DEALLOCATE evicted statements] Parse + Describe, each batch with its own
  // Sync so a failing DEALLOCATE cannot abort the Parse. Evictions wait while a transaction
  // is open (a failure there would abort it).
  std::vector<std::string> deallocate;
  if (!in_transaction) deallocate.swap(to_deallocate_);
  if (PQenterPipelineMode(conn_) != 1) return lost("enter pipeline mode");
  bool sent = true;
  for (const auto& victim : deallocate) {
    const std::string cmd = "DEALLOCATE " + victim;
    sent = sent &&
           PQsendQueryParams(conn_, cmd.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    sent = sent && PQpipelineSync(conn_) == 1;
  }
  sent = sent && PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) == 1;
  sent = sent && PQsendDescribePrepared(conn_, name.c_str()) == 1;
  sent = sent && PQpipelineSync(conn_) == 1;
  if (!sent) {
    broken_ = true;
    return lost("send prepare");
  }
  std::vector<PgResult> results;
  std::size_t syncs = deallocate.size() + 1;
  int nulls = 0;
  while (syncs > 0) {
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) {
      if (PQstatus(conn_) != CONNECTION_OK || ++nulls > 2) {
        broken_ = true;
        return lost("prepare");
      }
      continue;
    }
    nulls = 0;
    if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) {
      PQclear(raw);
      --syncs;
      continue;
    }
    results.push_back(wrap(raw));
  }
  if (PQexitPipelineMode(conn_) != 1) {
    broken_ = true;
    return lost("leave pipeline mode");
  }
  const std::size_t k = deallocate.size();
  if (results.size() < k + 2) {
    broken_ = true;
    return lost("prepare results");
  }
  const PGresult* parse = results[k].get();
  const PGresult* describe = results[k + 1].get();
  if (PQresultStatus(parse) != PGRES_COMMAND_OK) return failure(parse);
  if (PQresultStatus(describe) != PGRES_COMMAND_OK) return failure(describe);

  return from_describe(name, describe);
}

std::shared_ptr<const Prepared> Connection::from_describe(const std::string& name,
                                                          const PGresult* describe) {
  auto out = std::make_shared<Prepared>();
  Prepared& p = *out;
  p.name = name;
  std::vector<Oid> oids;
  for (int i = 0; i < PQnparams(describe); ++i) {
    p.param_types.push_back(PQparamtype(describe, i));
    oids.push_back(p.param_types.back());
  }
  const int fields = PQnfields(describe);
  p.returns_rows = fields > 0;
  for (int j = 0; j < fields; ++j) {
    Column c;
    c.name = PQfname(describe, j);
    c.oid = PQftype(describe, j);
    oids.push_back(c.oid);
    p.columns.push_back(std::move(c));
  }
  if (!pipeline_) resolve_types(oids);  // pipeline mode: adopt() only when all are known
  std::set<std::string> keys;
  for (auto& c : p.columns) {
    TypeDesc type = types_.find(c.oid).value_or(TypeDesc{"oid:" + std::to_string(c.oid)});
    std::optional<TypeDesc> element;
    if (type.kind == Kind::array) element = types_.find(type.element);
    c.type = type.name;
    // Object rows need distinct keys: a repeated name gets "_2", "_3", ...
    c.key = c.name;
    for (int n = 2; keys.count(c.key) != 0; ++n) c.key = c.name + "_" + std::to_string(n);
    keys.insert(c.key);
    p.column_types.push_back(std::move(type));
    p.element_types.push_back(std::move(element));
  }
  return out;
}

void Connection::resolve_types(const std::vector<Oid>& oids) {
  std::vector<Oid> unknown;
  for (Oid oid : oids) {
    if (oid != 0 && !types_.find(oid) &&
        std::find(unknown.begin(), unknown.end(), oid) == unknown.end()) {
      unknown.push_back(oid);
    }
  }
  if (unknown.empty()) return;
  // Enums, domains, composite types and arrays of them: read pg_type (elements and base types
  // in a second round). Types that cannot be read are shown as text.
  std::map<Oid, TypeRow> rows;
  for (int round = 0; round < 3 && !unknown.empty(); ++round) {
    const std::string list = oid_array_literal(unknown);
    const char* values[] = {list.c_str()};
    auto r = wrap(PQexecParams(conn_,
                               "SELECT oid, typname, typtype, typcategory, typelem, typbasetype, "
                               "typdelim FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])",
                               1, nullptr, values, nullptr, nullptr, 0));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) break;
    std::vector<Oid> next;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      TypeRow row;
      const Oid oid = to_oid(PQgetvalue(r.get(), i, 0));
      row.name = PQgetvalue(r.get(), i, 1);
      row.typtype = PQgetvalue(r.get(), i, 2)[0];
      row.category = PQgetvalue(r.get(), i, 3)[0];
      row.element = to_oid(PQgetvalue(r.get(), i, 4));
      row.base = to_oid(PQgetvalue(r.get(), i, 5));
      row.delimiter = PQgetvalue(r.get(), i, 6)[0];
      for (Oid dep : {row.element, row.base}) {
        if (dep != 0 && !types_.find(dep) && rows.count(dep) == 0) next.push_back(dep);
      }
      rows.emplace(oid, std::move(row));
    }
    unknown = std::move(next);
  }
  // Builds descriptors from the rows, dependencies first.
  std::function<TypeDesc(Oid, int)> describe = [&](Oid oid, int depth) -> TypeDesc {
    if (auto known = types_.find(oid)) return *known;
    auto it = rows.find(oid);
    if (it == rows.end() || depth > 4) return TypeDesc{"oid:" + std::to_string(oid)};
    const TypeRow& row = it->second;
    TypeDesc desc{row.name};
    if (row.typtype == 'd' && row.base != 0) {
      desc = describe(row.base, depth + 1);
      desc.name = row.name;
    } else if (row.category == 'A' && row.element != 0) {
      const TypeDesc element = describe(row.element, depth + 1);
      desc = TypeDesc{element.name + "[]", Kind::array, row.element, row.delimiter};
    }
    types_.add(oid, desc);
    return desc;
  };
  for (const auto& [oid, row] : rows) describe(oid, 0);
}

Result<StatementResult> Connection::run(const Statement& statement, const ExecOptions& options,
                                        bool in_transaction) {
  for (int attempt = 0;; ++attempt) {
    auto prep = prepared(statement.sql, in_transaction);
    if (!prep) return prep.error();
    const Prepared& p = **prep;  // the shared_ptr keeps it alive past an eviction
    auto params = bind(p, statement);
    if (!params) return params.error();
    auto result = execute(p, *params, options);
    if (result || attempt > 0 || broken_) return result;
    // A cached statement can go stale: its result type changed (ALTER TABLE) or someone
    // dropped it (DEALLOCATE). Prepare it again, transparently unless inside a transaction.
    const Error e = result.error();
    const int staleness = stale_statement(e);
    if (staleness == 0) return result;
    forget(statement.sql, staleness == 1);
    if (in_transaction) return result;
  }
}

int Connection::stale_statement(const Error& e) {
  if (!e.details().is_object()) return 0;
  const std::string state = e.details().value("sqlstate", "");
  if (state == "0A000" && e.message().find("cached plan") != std::string::npos) return 1;
  if (state == "26000") return 2;
  return 0;
}

Result<Params> Connection::bind(const Prepared& p, const Statement& statement) {
  if (statement.args.size() != p.param_types.size()) {
    return Error(Errc::bad_request,
                 "the statement has " + std::to_string(p.param_types.size()) +
                     " parameter(s) but args has " + std::to_string(statement.args.size()) +
                     " value(s)",
                 "args binds $1, $2, ... in order");
  }
  Params params;
  params.reserve(statement.args.size());
  for (std::size_t i = 0; i < statement.args.size(); ++i) {
    const auto type = types_.find(p.param_types[i]);
    auto text = encode_param(statement.args[i], type ? &*type : nullptr);
    if (!text) {
      const Error e = text.error();
      return Error(e.code(), "args[" + std::to_string(i) + "]: " + e.message(), e.details());
    }
    params.push_back(std::move(*text));
  }
  return params;
}

void Connection::run_pipelined(
    const std::vector<const Statement*>& statements, const std::vector<const ExecOptions*>& options,
    const std::function<void(std::size_t, Result<StatementResult>)>& done) {
  const std::size_t n = statements.size();
  std::vector<bool> finished(n, false);
  auto finish = [&](std::size_t i, Result<StatementResult> r) {
    finished[i] = true;
    done(i, std::move(r));
  };
  // Prepare (evictions wait: a statement of this batch must not be deallocated before it runs)
  // and bind everything first; what fails here never reaches the pipeline.
  std::vector<std::shared_ptr<const Prepared>> preps(n);
  std::vector<Params> params(n);
  std::vector<std::size_t> queued;
  for (std::size_t i = 0; i < n && !broken_; ++i) {
    auto p = prepared(statements[i]->sql, true);
    if (!p) {
      finish(i, p.error());
      continue;
    }
    auto bound = bind(**p, *statements[i]);
    if (!bound) {
      finish(i, bound.error());
      continue;
    }
    preps[i] = *p;
    params[i] = std::move(*bound);
    queued.push_back(i);
  }
  // Each statement with its own Sync: its own implicit transaction, so one failing does not
  // abort the others. Results come back in order.
  std::vector<std::size_t> retry;
  if (!broken_ && !queued.empty() && PQenterPipelineMode(conn_) != 1) broken_ = true;
  std::size_t sent = 0;
  for (; sent < queued.size() && !broken_; ++sent) {
    const std::size_t i = queued[sent];
    if (!send(*preps[i], params[i]) || PQpipelineSync(conn_) != 1) broken_ = true;
  }
  for (std::size_t k = 0; k < sent && !broken_; ++k) {
    const std::size_t i = queued[k];
    auto result = collect(*preps[i], *options[i]);
    PGresult* sync = PQgetResult(conn_);
    if (sync == nullptr) sync = PQgetResult(conn_);
    if (sync == nullptr || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) broken_ = true;
    if (sync != nullptr) PQclear(sync);
    if (!result && !broken_ && stale_statement(result.error()) != 0) {
      forget(statements[i]->sql, stale_statement(result.error()) == 1);
      retry.push_back(i);
      finished[i] = true;  // answered below
      continue;
    }
    finish(i, std::move(result));
  }
  if (!broken_ && !queued.empty() && PQexitPipelineMode(conn_) != 1) broken_ = true;
  for (std::size_t i : retry) {
    done(i, broken_ ? Result<StatementResult>(lost("pipeline"))
                    : run(*statements[i], *options[i], false));
  }
  // Whatever was not answered is lost with the connection (it may have run).
  for (std::size_t i = 0; i < n; ++i) {
    if (!finished[i]) finish(i, lost("pipeline"));
  }
}

bool Connection::send(const Prepared& p, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  if (PQsendQueryPrepared(conn_, p.name.c_str(), static_cast<int>(values.size()), values.data(),
                          nullptr, nullptr, 0) != 1) {
    broken_ = true;
    return false;
  }
  return true;
}

Result<StatementResult> Connection::execute(const Prepared& p, const Params& params,
                                            const ExecOptions& options) {
  if (!send(p, params)) return lost("send");
  return collect(p, options);
}

Collect::Collect(std::shared_ptr<const Prepared> p, const ExecOptions& o)
    : prepared(std::move(p)), options(&o) {
  out.returns_rows = prepared->returns_rows;
  out.columns = prepared->columns;
}

Result<StatementResult> Connection::collect(const Prepared& p, const ExecOptions& options) {
  PQsetSingleRowMode(conn_);  // rows arrive one by one: memory stays bounded
  // The caller keeps `p` alive: an aliasing pointer that owns nothing.
  Collect c(std::shared_ptr<const Prepared>(std::shared_ptr<const Prepared>(), &p), options);
  while (PGresult* raw = PQgetResult(conn_)) {
    auto r = wrap(raw);
    absorb(c, raw);
    if (c.copy_both) break;
  }
  return conclude(c);
}

void Connection::absorb(Collect& c, const PGresult* raw) {
  const Prepared& p = *c.prepared;
  const ExecOptions& options = *c.options;
  StatementResult& out = c.out;
  const bool arrays = options.format == RowFormat::arrays;
  const int fields = static_cast<int>(p.columns.size());

  auto take_rows = [&](const PGresult* r) {
    const int n = PQntuples(r);
    const int nf = std::min(fields, PQnfields(r));
    for (int i = 0; i < n; ++i) {
      if (out.rows.size() >= options.max_rows || c.bytes > options.max_bytes) {
        out.truncated = true;
        return;
      }
      json row = arrays ? json::array() : json::object();
      for (int j = 0; j < nf; ++j) {
        json v;
        if (!PQgetisnull(r, i, j)) {
          const std::string_view text(PQgetvalue(r, i, j),
                                      static_cast<std::size_t>(PQgetlength(r, i, j)));
          c.bytes += text.size();
          const auto& element = p.element_types[static_cast<std::size_t>(j)];
          v = decode_value(p.column_types[static_cast<std::size_t>(j)],
                           element ? &*element : nullptr, text);
        }
        if (arrays) {
          row.push_back(std::move(v));
        } else {
          row[p.columns[static_cast<std::size_t>(j)].key] = std::move(v);
        }
      }
      out.rows.push_back(std::move(row));
    }
  };

  switch (PQresultStatus(raw)) {
    case PGRES_SINGLE_TUPLE:
      if (!c.error) take_rows(raw);
      break;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY: {
      if (c.error) break;
      take_rows(raw);
      const std::string tag = PQcmdStatus(const_cast<PGresult*>(raw));
      out.command = command_verb(tag);
      const char* count = PQcmdTuples(const_cast<PGresult*>(raw));
      out.rows_affected = 0;
      if (count != nullptr && *count != '\0') {
        std::from_chars(count, count + std::char_traits<char>::length(count), out.rows_affected);
      }
      note_command(out.command);
      break;
    }
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
      if (pipeline_) {
        // Not expected (COPY never takes the pipeline): without blocking it cannot be ended.
        c.copy_both = true;
        break;
      }
      if (PQresultStatus(raw) == PGRES_COPY_IN) {
        PQputCopyEnd(conn_, "COPY FROM STDIN is not supported through the gateway");
      } else {
        char* buffer = nullptr;
        while (PQgetCopyData(conn_, &buffer, 0) > 0) PQfreemem(buffer);
      }
      if (!c.error) c.error = Error(Errc::bad_request, "COPY is not supported through the gateway");
      break;
    case PGRES_COPY_BOTH:
      c.copy_both = true;
      break;
    default:
      if (!c.error) c.error = failure(raw);
      break;
  }
}

Result<StatementResult> Connection::conclude(Collect& c) {
  if (c.copy_both) {
    broken_ = true;
    return lost("COPY");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    if (!c.error || c.error->code() != Errc::backend_unavailable) return lost("execute");
  }
  if (c.error) return *c.error;
  return std::move(c.out);
}

bool Connection::enter_pipeline() {
  if (PQsetnonblocking(conn_, 1) != 0) return false;
  if (PQenterPipelineMode(conn_) != 1) {
    PQsetnonblocking(conn_, 0);
    return false;
  }
  pipeline_ = true;
  return true;
}

bool Connection::leave_pipeline() {
  pipeline_ = false;
  if (PQexitPipelineMode(conn_) != 1) {
    broken_ = true;
    return false;
  }
  if (PQsetnonblocking(conn_, 0) != 0) {
    broken_ = true;
    return false;
  }
  return true;
}

}  // namespace throome::postgres::detail
