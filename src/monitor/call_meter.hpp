#pragma once

// Shared by the monitored adapters (private to src/monitor): the in-flight guard and the
// bookkeeping that ends every measured backend call.

#include <chrono>
#include <memory>
#include <string>

#include "throome/monitor/activity_log.hpp"
#include "throome/monitor/backend_metrics.hpp"

namespace throome::monitor::detail {

/// Keeps throome_backend_in_flight right even when a coroutine is destroyed while suspended.
class InFlight {
 public:
  explicit InFlight(BackendMetrics& m) : m_(m) { m_.call_started(); }
  ~InFlight() { m_.call_finished(); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  BackendMetrics& m_;
};

/// The text of an error for logs and the activity log (message and string details).
inline std::string error_text(const Error& e) {
  if (e.details().is_string()) return e.message() + ": " + e.details().get<std::string>();
  return e.message();
}

/// Counts a finished call on `op`, remembers the backend's latest latency/error and, when
/// `entry` is given and there is an activity log, fills its common fields and records it.
inline void finish_call(BackendMetrics& metrics, ActivityLog* activity, OperationMetrics& op,
                        std::chrono::nanoseconds elapsed, Outcome outcome, std::string error,
                        ActivityEntry* entry) {
  op.observe(outcome, std::chrono::duration<double>(elapsed).count());
  const bool ok = outcome == Outcome::success;
  metrics.note_result(elapsed, ok ? nullptr : &error);
  if (entry == nullptr || activity == nullptr) return;
  entry->cluster_id = metrics.cluster();
  entry->service_name = metrics.service();
  entry->service_type = metrics.type();
  entry->operation = op.name();
  entry->duration = elapsed;
  entry->success = ok;
  entry->error = std::move(error);
  activity->record(std::move(*entry));
}

}  // namespace throome::monitor::detail
