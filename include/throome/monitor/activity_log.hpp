#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace throome::monitor {

/// What the activity log keeps (monitoring.activity_* in throome.yaml).
struct ActivityOptions {
  std::size_t capacity = 1000;        // entries kept; the oldest is dropped first
  bool store_values = false;          // keep (truncated) argument values and responses
  std::size_t value_max_bytes = 256;  // truncation of each stored value, key and response
};

/// One backend operation as the activity log shows it. By default only key names are kept:
/// values, SQL arguments, message bodies and responses only with `store_values`, and never
/// for commands that carry credentials.
struct ActivityEntry {
  std::uint64_t id = 0;  // assigned by the log, increasing
  std::chrono::system_clock::time_point timestamp;
  std::string cluster_id;
  std::string service_name;
  std::string service_type;         // "redis", ...
  std::string operation;            // the metric's operation label, e.g. "get", "transaction"
  std::string command;              // e.g. "GET", "MULTI SET INCR EXEC"
  std::vector<std::string> keys;    // key names (truncated)
  std::size_t arg_count = 0;        // arguments after the command name
  std::vector<std::string> values;  // only with store_values (truncated)
  bool redacted = false;            // arguments withheld: the command carries credentials
  std::chrono::nanoseconds duration{0};
  bool success = true;
  bool has_response = false;  // only with store_values
  std::string response;       // truncated
  std::string error;
};

/// A bounded in-memory ring of recent backend operations. Thread-safe: a record claims its
/// slot with one atomic increment and holds only that slot's spin lock while moving the entry
/// in (writers on different slots never wait for each other); readers lock one slot at a
/// time and copy what they return.
class ActivityLog {
 public:
  explicit ActivityLog(ActivityOptions options);
  ~ActivityLog();
  ActivityLog(const ActivityLog&) = delete;
  ActivityLog& operator=(const ActivityLog&) = delete;

  const ActivityOptions& options() const noexcept { return options_; }

  /// Stores `entry` (its id and, when unset, its timestamp are assigned here), dropping the
  /// oldest entry when full.
  void record(ActivityEntry&& entry);

  /// @return up to `limit` entries, newest first, of `cluster` (all when empty) and `service`
  ///         (all of the cluster when empty).
  std::vector<ActivityEntry> recent(std::size_t limit, std::string_view cluster = {},
                                    std::string_view service = {}) const;

  /// Entries recorded since start (including those dropped from the ring).
  std::uint64_t recorded() const;

  /// The JSON object of an entry: id, timestamp (RFC 3339, UTC), cluster_id, service_name,
  /// service_type, operation, command, parameters, duration (ns), duration_ms, status
  /// ("success" | "error"), response (when stored), error (when failed).
  static nlohmann::json to_json(const ActivityEntry& entry);

  /// `text` cut to at most `max_bytes` bytes (on a UTF-8 boundary), with "…" appended when cut.
  static std::string truncate(std::string_view text, std::size_t max_bytes);

 private:
  struct Slot;
  class SlotLock;

  ActivityOptions options_;
  std::unique_ptr<Slot[]> slots_;        // capacity slots; entry id n lives in (n-1) % capacity
  std::atomic<std::uint64_t> count_{0};  // records so far = the latest id
};

}  // namespace throome::monitor
