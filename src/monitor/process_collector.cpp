#include "throome/monitor/process_collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace throome::monitor {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<double> boot_time(const std::string& proc_root) {
  auto text = read_file(proc_root + "/stat");
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  return std::nullopt;
}

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

ProcessCollector::ProcessCollector(std::string proc_dir, std::string proc_root)
    : proc_dir_(std::move(proc_dir)), proc_root_(std::move(proc_root)) {}

std::optional<ProcessCollector::Stat> ProcessCollector::parse_stat(const std::string& text,
                                                                   double boot_time,
                                                                   long ticks_per_second,
                                                                   long page_size) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields restart after
  // the last ')'. Field numbers below are those of proc(5).
  const auto close = text.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream in(text.substr(close + 1));
  std::vector<std::string> fields{"", "", ""};  // fields 1 and 2 are before the ')'
  std::string f;
  while (in >> f) fields.push_back(f);
  if (fields.size() <= 24) return std::nullopt;
  auto num = [&](std::size_t i) { return std::strtod(fields[i].c_str(), nullptr); };
  Stat s;
  const double tick = static_cast<double>(ticks_per_second);
  s.cpu_seconds = (num(14) + num(15)) / tick;
  s.start_time_seconds = boot_time + num(22) / tick;
  s.virtual_memory_bytes = num(23);
  s.resident_memory_bytes = num(24) * static_cast<double>(page_size);
  return s;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const auto stat_text = read_file(proc_dir_ + "/stat");
  const auto btime = boot_time(proc_root_);
  if (stat_text && btime) {
    if (auto s = parse_stat(*stat_text, *btime, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE))) {
      out.push_back(family("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.", MetricType::Counter,
                           s->cpu_seconds));
      out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                           MetricType::Gauge, s->resident_memory_bytes));
      out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                           MetricType::Gauge, s->virtual_memory_bytes));
      out.push_back(family("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, s->start_time_seconds));
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it(proc_dir_ + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    // Listing /proc/self/fd opens one descriptor of its own, which it sees: not counted.
    if (proc_dir_ == "/proc/self" && fds > 0) --fds;
    out.push_back(family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                         static_cast<double>(fds)));
  }
  struct rlimit limit {};
  if (proc_dir_ == "/proc/self" && ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace throome::monitor
