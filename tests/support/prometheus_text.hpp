#pragma once

#include <map>
#include <string>

namespace throome::testing {

/// Samples of a Prometheus text exposition (0.0.4): series key -> value. The key is the metric
/// name followed by its labels sorted by name, `name{a="1",b="2"}` (just `name` without labels).
/// Comment lines are skipped. Throws std::runtime_error on a line it cannot read.
std::map<std::string, double> parse_prometheus_text(const std::string& text);

/// The series key of `name` with `labels`, as parse_prometheus_text() builds it.
std::string series_key(const std::string& name, const std::map<std::string, std::string>& labels);

/// The value of a series, or 0 when absent.
double sample(const std::map<std::string, double>& samples, const std::string& name,
              const std::map<std::string, std::string>& labels = {});

}  // namespace throome::testing
