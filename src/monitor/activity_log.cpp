#include "throome/monitor/activity_log.hpp"

#include <cstdio>
#include <ctime>
#include <thread>
#include <utility>

namespace throome::monitor {
namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(buf, n) + frac;
}

}  // namespace

struct ActivityLog::Slot {
  std::atomic<bool> busy{false};
  ActivityEntry entry;  // id 0: never written
};

// Holds one slot. Contention is rare (a reader copying the slot, or a writer a whole ring
// ahead): spin briefly, then yield.
class ActivityLog::SlotLock {
 public:
  explicit SlotLock(Slot& slot) : slot_(slot) {
    for (int spins = 0; slot_.busy.exchange(true, std::memory_order_acquire); ++spins) {
      if (spins > 64) std::this_thread::yield();
    }
  }
  ~SlotLock() { slot_.busy.store(false, std::memory_order_release); }
  SlotLock(const SlotLock&) = delete;
  SlotLock& operator=(const SlotLock&) = delete;

 private:
  Slot& slot_;
};

ActivityLog::ActivityLog(ActivityOptions options)
    : options_(options),
      slots_(options_.capacity > 0 ? std::make_unique<Slot[]>(options_.capacity) : nullptr) {}

ActivityLog::~ActivityLog() = default;

void ActivityLog::record(ActivityEntry&& entry) {
  if (options_.capacity == 0) return;
  if (entry.timestamp == std::chrono::system_clock::time_point{}) {
    entry.timestamp = std::chrono::system_clock::now();
  }
  entry.id = count_.fetch_add(1, std::memory_order_relaxed) + 1;
  Slot& slot = slots_[(entry.id - 1) % options_.capacity];
  ActivityEntry dropped;  // freed after the slot is released
  {
    SlotLock lock(slot);
    // A writer a whole ring ahead may have been faster: never replace a newer entry.
    if (slot.entry.id > entry.id) return;
    dropped = std::move(slot.entry);
    slot.entry = std::move(entry);
  }
}

std::vector<ActivityEntry> ActivityLog::recent(std::size_t limit, std::string_view cluster,
                                               std::string_view service) const {
  std::vector<ActivityEntry> out;
  if (options_.capacity == 0) return out;
  const std::uint64_t latest = count_.load(std::memory_order_acquire);
  const std::uint64_t n = std::min<std::uint64_t>(latest, options_.capacity);
  for (std::uint64_t i = 0; i < n && out.size() < limit; ++i) {
    const std::uint64_t id = latest - i;
    Slot& slot = slots_[(id - 1) % options_.capacity];
    SlotLock lock(slot);
    // A slot still being written (older id) or already overwritten (newer id) is skipped.
    if (slot.entry.id != id) continue;
    if (!cluster.empty() && slot.entry.cluster_id != cluster) continue;
    if (!service.empty() && slot.entry.service_name != service) continue;
    out.push_back(slot.entry);
  }
  return out;
}

std::uint64_t ActivityLog::recorded() const { return count_.load(std::memory_order_relaxed); }

std::string ActivityLog::truncate(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

nlohmann::json ActivityLog::to_json(const ActivityEntry& e) {
  nlohmann::json params = nlohmann::json::object();
  if (!e.keys.empty()) params["keys"] = e.keys;
  params["arg_count"] = e.arg_count;
  if (!e.values.empty()) params["values"] = e.values;
  if (e.redacted) params["redacted"] = true;
  nlohmann::json j = {
      {"id", std::to_string(e.id)},
      {"timestamp", rfc3339(e.timestamp)},
      {"cluster_id", e.cluster_id},
      {"service_name", e.service_name},
      {"service_type", e.service_type},
      {"operation", e.operation},
      {"command", e.command},
      {"parameters", std::move(params)},
      {"duration", e.duration.count()},
      {"duration_ms", static_cast<double>(e.duration.count()) / 1e6},
      {"status", e.success ? "success" : "error"},
  };
  if (e.has_response) j["response"] = e.response;
  if (!e.success) j["error"] = e.error;
  return j;
}

}  // namespace throome::monitor
