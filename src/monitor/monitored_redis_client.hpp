#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "throome/adapters/redis/client.hpp"
#include "throome/monitor/activity_log.hpp"
#include "throome/monitor/backend_metrics.hpp"

namespace throome::monitor {

/// A redis::Client that measures every call of the client it wraps: in-flight gauge,
/// per-operation outcome counters and latency histogram, the backend's latest latency and
/// error, and one activity entry per call when an activity log is given (except a bare PING:
/// the router's health probe is counted but is not application activity).
class MonitoredRedisClient final : public redis::Client {
 public:
  MonitoredRedisClient(redis::ClientPtr inner, std::shared_ptr<BackendMetrics> metrics,
                       std::shared_ptr<ActivityLog> activity);

  boost::asio::awaitable<Result<redis::Reply>> execute(std::vector<std::string> argv) override;
  boost::asio::awaitable<Result<std::vector<redis::Reply>>> execute_all(
      std::vector<std::vector<std::string>> commands) override;
  std::size_t ready_connections() const override { return inner_->ready_connections(); }

 private:
  // Counts the call, remembers the backend's latest state and records `entry` (when not null)
  // in the activity log.
  void finish(OperationMetrics& op, std::chrono::nanoseconds elapsed, Outcome outcome,
              std::string error, ActivityEntry* entry, const redis::Reply* reply) const;

  redis::ClientPtr inner_;
  std::shared_ptr<BackendMetrics> metrics_;
  std::shared_ptr<ActivityLog> activity_;
};

}  // namespace throome::monitor
