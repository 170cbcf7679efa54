#include "monitor/monitored_redis_client.hpp"

#include <chrono>
#include <utility>

#include "monitor/call_meter.hpp"
#include "throome/monitor/redis_command_info.hpp"

namespace throome::monitor {
namespace {

using Clock = std::chrono::steady_clock;

using detail::error_text;
using detail::InFlight;

std::string reply_text(const redis::Reply& r) {
  switch (r.type) {
    case redis::Reply::Type::string:
    case redis::Reply::Type::status:
    case redis::Reply::Type::error:
      return r.str;
    case redis::Reply::Type::integer:
      return std::to_string(r.integer);
    case redis::Reply::Type::nil:
      return "null";
    case redis::Reply::Type::array:
      return redis::to_json(r, redis::Encoding::utf8)
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return {};
}

// Fills the outcome part of an activity entry and of the backend's latest state.
struct Finished {
  Outcome outcome = Outcome::success;
  std::string error;  // empty on success
};

Finished finished(const Result<redis::Reply>& r) {
  if (!r) {
    const Error e = r.error();
    return {outcome_of(e.code()), error_text(e)};
  }
  if (r->is_error()) return {Outcome::error, r->str};
  return {};
}

Finished finished(const Result<std::vector<redis::Reply>>& r) {
  if (!r) {
    const Error e = r.error();
    return {outcome_of(e.code()), error_text(e)};
  }
  if (!r->empty() && r->back().is_error()) return {Outcome::error, r->back().str};
  return {};
}

bool is_bare_ping(const std::vector<std::string>& argv) {
  if (argv.size() != 1 || argv[0].size() != 4) return false;
  std::string upper = argv[0];
  for (char& c : upper) c = static_cast<char>(c & ~0x20);
  return upper == "PING";
}

}  // namespace

MonitoredRedisClient::MonitoredRedisClient(redis::ClientPtr inner,
                                           std::shared_ptr<BackendMetrics> metrics,
                                           std::shared_ptr<ActivityLog> activity)
    : inner_(std::move(inner)), metrics_(std::move(metrics)), activity_(std::move(activity)) {}

void MonitoredRedisClient::finish(OperationMetrics& op, std::chrono::nanoseconds elapsed,
                                  Outcome outcome, std::string error, ActivityEntry* record,
                                  const redis::Reply* reply) const {
  if (record != nullptr && activity_) {
    const auto& options = activity_->options();
    if (options.store_values && !record->redacted && reply != nullptr) {
      record->has_response = true;
      record->response = ActivityLog::truncate(reply_text(*reply), options.value_max_bytes);
    }
  }
  detail::finish_call(*metrics_, activity_.get(), op, elapsed, outcome, std::move(error), record);
}

boost::asio::awaitable<Result<redis::Reply>> MonitoredRedisClient::execute(
    std::vector<std::string> argv) {
  OperationMetrics& op =
      metrics_->operation(argv.empty() ? std::string_view{} : std::string_view(argv.front()));
  ActivityEntry entry;
  // A bare PING is a health probe (the router's checker): counted, not an app's activity.
  const bool record = activity_ && !is_bare_ping(argv);
  if (record) describe_redis_command(argv, activity_->options(), entry);
  Result<redis::Reply> result = Error(Errc::internal, "not run");
  Clock::duration elapsed{};
  {
    InFlight guard(*metrics_);
    const auto start = Clock::now();
    auto call = inner_->execute(std::move(argv));
    result = co_await std::move(call);
    elapsed = Clock::now() - start;
  }
  auto end = finished(result);
  finish(op, elapsed, end.outcome, std::move(end.error), record ? &entry : nullptr,
         result ? &*result : nullptr);
  co_return result;
}

boost::asio::awaitable<Result<std::vector<redis::Reply>>> MonitoredRedisClient::execute_all(
    std::vector<std::vector<std::string>> commands) {
  OperationMetrics& op = metrics_->operation("transaction");
  ActivityEntry entry;
  if (activity_) describe_redis_commands(commands, activity_->options(), entry);
  Result<std::vector<redis::Reply>> result = Error(Errc::internal, "not run");
  Clock::duration elapsed{};
  {
    InFlight guard(*metrics_);
    const auto start = Clock::now();
    auto call = inner_->execute_all(std::move(commands));
    result = co_await std::move(call);
    elapsed = Clock::now() - start;
  }
  auto end = finished(result);
  const redis::Reply* exec = result && !result->empty() ? &result->back() : nullptr;
  finish(op, elapsed, end.outcome, std::move(end.error), activity_ ? &entry : nullptr, exec);
  co_return result;
}

}  // namespace throome::monitor
