#include "monitor/monitored_clients.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "monitor/call_meter.hpp"

namespace throome::monitor {
namespace {

using Clock = std::chrono::steady_clock;
using detail::error_text;
using detail::InFlight;

// How a call ended, for the outcome label and the activity entry.
struct Finished {
  Outcome outcome = Outcome::success;
  std::string error;  // empty on success
};

Finished failed(const Error& e) { return {outcome_of(e.code()), error_text(e)}; }

template <class T>
Finished finished(const Result<T>& r) {
  if (r) return {};
  return failed(r.error());
}

// A batch succeeded when every message did; otherwise it reports the first failure.
Finished finished(const kafka::BatchResult& result) {
  for (std::size_t i = 0; i < result.outcomes.size(); ++i) {
    if (!result.outcomes[i].ok()) return failed(result.error(i));
  }
  return {};
}

// Runs `call` measured as `operation`: in-flight gauge, outcome counter, latency histogram,
// the backend's latest state and (when `entry` is set) one activity entry.
template <class R>
boost::asio::awaitable<R> measured(std::shared_ptr<BackendMetrics> metrics,
                                   std::shared_ptr<ActivityLog> activity,
                                   std::string_view operation, std::optional<ActivityEntry> entry,
                                   boost::asio::awaitable<R> call) {
  OperationMetrics& op = metrics->operation(operation);
  std::optional<R> result;
  Clock::duration elapsed{};
  {
    InFlight guard(*metrics);
    const auto start = Clock::now();
    result.emplace(co_await std::move(call));
    elapsed = Clock::now() - start;
  }
  auto end = finished(*result);
  detail::finish_call(*metrics, activity.get(), op, elapsed, end.outcome, std::move(end.error),
                      entry ? &*entry : nullptr);
  co_return std::move(*result);
}

// The statement's first keyword, lower case, from a fixed set (bounded label values).
std::string_view sql_verb(std::string_view sql) {
  static constexpr std::array<std::string_view, 14> kVerbs = {
      "select", "insert", "update", "delete", "with",  "call",     "values",
      "create", "alter",  "drop",   "copy",   "merge", "truncate", "explain"};
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])) != 0) ++i;
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])) != 0 &&
         word.size() < 16) {
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i++]))));
  }
  for (auto v : kVerbs) {
    if (v == word) return v;
  }
  return "other";
}

// Statements that may carry a credential (CREATE/ALTER ROLE ... PASSWORD) are never stored.
bool may_carry_secret(std::string_view sql) {
  std::string lower(sql.substr(0, 1 << 16));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("password") != std::string::npos;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

MonitoredPostgresClient::MonitoredPostgresClient(postgres::ClientPtr inner,
                                                 std::shared_ptr<BackendMetrics> metrics,
                                                 std::shared_ptr<ActivityLog> activity)
    : inner_(std::move(inner)), metrics_(std::move(metrics)), activity_(std::move(activity)) {}

namespace {

// Describes statements for the activity log: verbs in `command`, arguments counted, SQL and
// arguments kept only when the log stores values and no statement may carry a password.
ActivityEntry describe_sql(const std::vector<const postgres::Statement*>& statements,
                           const ActivityOptions& options) {
  ActivityEntry e;
  bool secret = false;
  for (const auto* st : statements) {
    if (!e.command.empty()) e.command += ' ';
    e.command += upper(sql_verb(st->sql));
    e.arg_count += st->args.size();
    secret = secret || may_carry_secret(st->sql);
  }
  e.redacted = secret;
  if (options.store_values && !secret) {
    for (const auto* st : statements) {
      e.values.push_back(ActivityLog::truncate(st->sql, options.value_max_bytes));
      for (const auto& a : st->args) {
        e.values.push_back(
            ActivityLog::truncate(a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                  options.value_max_bytes));
      }
    }
  }
  return e;
}

}  // namespace

boost::asio::awaitable<Result<postgres::StatementResult>> MonitoredPostgresClient::run(
    postgres::Statement statement, postgres::ExecOptions options) {
  const std::string_view verb = sql_verb(statement.sql);
  std::optional<ActivityEntry> entry;
  // `SELECT 1` without arguments is the router's health probe: counted, not app activity.
  const bool probe = statement.sql == "SELECT 1" && statement.args.empty();
  if (activity_ && !probe) entry = describe_sql({&statement}, activity_->options());
  auto inner = inner_->run(std::move(statement), options);
  auto op = measured(metrics_, activity_, verb, std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

boost::asio::awaitable<Result<std::vector<postgres::StatementResult>>>
MonitoredPostgresClient::transaction(std::vector<postgres::Statement> statements,
                                     postgres::TransactionOptions transaction,
                                     postgres::ExecOptions options) {
  std::optional<ActivityEntry> entry;
  if (activity_) {
    std::vector<const postgres::Statement*> all;
    for (const auto& st : statements) all.push_back(&st);
    entry = describe_sql(all, activity_->options());
    entry->command = "BEGIN " + entry->command + " COMMIT";
  }
  auto inner = inner_->transaction(std::move(statements), transaction, options);
  auto op = measured(metrics_, activity_, "transaction", std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

MonitoredKafkaClient::MonitoredKafkaClient(kafka::ClientPtr inner,
                                           std::shared_ptr<BackendMetrics> metrics,
                                           std::shared_ptr<ActivityLog> activity)
    : inner_(std::move(inner)), metrics_(std::move(metrics)), activity_(std::move(activity)) {}

namespace {

// The topic as the key, messages counted; the first bodies only when the log stores values.
ActivityEntry describe_messages(const kafka::Batch& batch, const ActivityOptions& options) {
  ActivityEntry e;
  e.command = "PUBLISH";
  e.keys.push_back(ActivityLog::truncate(batch.topic(), options.value_max_bytes));
  for (std::size_t i = 0; options.store_values && i < batch.size() && i < 16; ++i) {
    e.values.push_back(ActivityLog::truncate(batch.value(i).value_or(""), options.value_max_bytes));
  }
  e.arg_count = batch.size();
  return e;
}

ActivityEntry describe_message(const kafka::Message& m, const ActivityOptions& options) {
  ActivityEntry e;
  e.command = "PUBLISH";
  e.keys.push_back(ActivityLog::truncate(m.topic, options.value_max_bytes));
  if (options.store_values) {
    e.values.push_back(ActivityLog::truncate(m.value.value_or(""), options.value_max_bytes));
  }
  e.arg_count = 1;
  return e;
}

ActivityEntry describe_read(std::string command, std::string topic,
                            const ActivityOptions& options) {
  ActivityEntry e;
  e.command = std::move(command);
  if (!topic.empty()) e.keys.push_back(ActivityLog::truncate(topic, options.value_max_bytes));
  return e;
}

}  // namespace

boost::asio::awaitable<Result<kafka::Delivery>> MonitoredKafkaClient::publish(
    kafka::Message message) {
  std::optional<ActivityEntry> entry;
  if (activity_) entry = describe_message(message, activity_->options());
  auto inner = inner_->publish(std::move(message));
  auto op = measured(metrics_, activity_, "publish", std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

boost::asio::awaitable<kafka::BatchResult> MonitoredKafkaClient::publish_batch(kafka::Batch batch) {
  std::optional<ActivityEntry> entry;
  if (activity_) entry = describe_messages(batch, activity_->options());
  auto inner = inner_->publish_batch(std::move(batch));
  auto op = measured(metrics_, activity_, "publish_batch", std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

boost::asio::awaitable<Result<std::vector<kafka::Record>>> MonitoredKafkaClient::consumer_fetch(
    std::string id, kafka::FetchOptions options) {
  std::optional<ActivityEntry> entry;
  if (activity_) entry = describe_read("FETCH", {}, activity_->options());
  auto inner = inner_->consumer_fetch(std::move(id), options);
  auto op = measured(metrics_, activity_, "fetch", std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

boost::asio::awaitable<Result<kafka::ReadResult>> MonitoredKafkaClient::read(
    kafka::ReadRequest request) {
  std::optional<ActivityEntry> entry;
  if (activity_) entry = describe_read("READ", request.topic, activity_->options());
  auto inner = inner_->read(std::move(request));
  auto op = measured(metrics_, activity_, "read", std::move(entry), std::move(inner));
  co_return co_await std::move(op);
}

}  // namespace throome::monitor
