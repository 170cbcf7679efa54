// monitor::ProcessCollector: the standard process_* families from /proc.
#include "throome/monitor/process_collector.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <map>

namespace throome::monitor {
namespace {

std::map<std::string, prometheus::MetricFamily> by_name(std::vector<prometheus::MetricFamily> v) {
  std::map<std::string, prometheus::MetricFamily> out;
  for (auto& f : v) out[f.name] = std::move(f);
  return out;
}

TEST(ProcessCollector, ParsesProcStat) {
  // proc(5): comm may contain spaces and parentheses.
  const std::string stat =
      "4242 (thr (o) me) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 150 0 0 20 0 3 0 1000 "
      "123456789 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
  auto s = ProcessCollector::parse_stat(stat, 1'700'000'000, 100, 4096);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);  // (250 + 150) / 100
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'010.0);
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 123456789.0);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 2000.0 * 4096);
  EXPECT_FALSE(ProcessCollector::parse_stat("garbage", 0, 100, 4096));
  EXPECT_FALSE(ProcessCollector::parse_stat("1 (x) S 1 2 3", 0, 100, 4096));
}

TEST(ProcessCollector, ReadsThisProcess) {
  const auto families = by_name(ProcessCollector().Collect());
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"}) {
    ASSERT_EQ(families.count(name), 1u) << name;
    ASSERT_EQ(families.at(name).metric.size(), 1u) << name;
  }
  EXPECT_EQ(families.at("process_cpu_seconds_total").type, prometheus::MetricType::Counter);
  EXPECT_EQ(families.at("process_open_fds").type, prometheus::MetricType::Gauge);
  EXPECT_GT(families.at("process_resident_memory_bytes").metric[0].gauge.value, 1e5);
  const double start = families.at("process_start_time_seconds").metric[0].gauge.value;
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600 * 365);

  // Opening a file shows up as exactly one more descriptor.
  const double before = families.at("process_open_fds").metric[0].gauge.value;
  EXPECT_GE(before, 3);
  FILE* f = std::fopen("/proc/self/stat", "r");
  ASSERT_NE(f, nullptr);
  const double with_file =
      by_name(ProcessCollector().Collect()).at("process_open_fds").metric[0].gauge.value;
  std::fclose(f);
  EXPECT_EQ(with_file, before + 1);
}

TEST(ProcessCollector, MissingProcLeavesFamiliesOut) {
  const auto families = ProcessCollector("/nonexistent/self", "/nonexistent").Collect();
  EXPECT_TRUE(families.empty());
}

}  // namespace
}  // namespace throome::monitor
