#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <string>
#include <vector>

namespace throome::monitor {

/// The standard process_* families, read from /proc/self at every scrape:
/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds. A value that cannot be read
/// (no /proc) is left out rather than reported as 0.
class ProcessCollector final : public prometheus::Collectable {
 public:
  /// `proc_dir` is the process directory to read ("/proc/self"; tests pass another).
  explicit ProcessCollector(std::string proc_dir = "/proc/self", std::string proc_root = "/proc");

  std::vector<prometheus::MetricFamily> Collect() const override;

  /// Fields of /proc/<pid>/stat that the families come from.
  struct Stat {
    double cpu_seconds = 0;         // utime + stime
    double start_time_seconds = 0;  // since the epoch
    double virtual_memory_bytes = 0;
    double resident_memory_bytes = 0;
  };
  /// Parses the text of /proc/<pid>/stat given the boot time (btime of /proc/stat), the clock
  /// tick and the page size. @return nullopt when the text is malformed.
  static std::optional<Stat> parse_stat(const std::string& text, double boot_time,
                                        long ticks_per_second, long page_size);

 private:
  std::string proc_dir_;
  std::string proc_root_;
};

}  // namespace throome::monitor
