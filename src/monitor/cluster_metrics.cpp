#include "throome/monitor/cluster_metrics.hpp"

#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "throome/monitor/backend_metrics.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::monitor {
namespace {

using nlohmann::json;

// Requests, errors and latency of a set of operations.
struct Totals {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double seconds_sum = 0;
  std::vector<std::uint64_t> cumulative;

  void add(const OperationMetrics::Stats& s) {
    requests += s.requests;
    errors += s.errors;
    seconds_sum += s.seconds_sum;
    if (cumulative.size() < s.cumulative.size()) cumulative.resize(s.cumulative.size(), 0);
    for (std::size_t i = 0; i < s.cumulative.size(); ++i) cumulative[i] += s.cumulative[i];
  }

  // Rounded to microseconds: the JSON stays readable.
  static double ms(double seconds) {
    return static_cast<double>(std::llround(seconds * 1e6)) / 1e3;
  }

  void write(json& out) const {
    out["requests"] = requests;
    out["errors"] = errors;
    const std::uint64_t observed = cumulative.empty() ? 0 : cumulative.back();
    out["avg_response_ms"] = observed == 0 ? 0.0 : ms(seconds_sum / static_cast<double>(observed));
    const auto p95 = histogram_quantile(0.95, latency_buckets(), cumulative);
    out["p95_response_ms"] = p95 ? ms(*p95) : 0.0;
  }
};

}  // namespace

std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                         const std::vector<std::uint64_t>& cumulative) {
  if (cumulative.size() != bounds.size() + 1 || cumulative.back() == 0) return std::nullopt;
  const double rank = q * static_cast<double>(cumulative.back());
  for (std::size_t b = 0; b < cumulative.size(); ++b) {
    if (static_cast<double>(cumulative[b]) < rank) continue;
    if (b == bounds.size()) return bounds.back();  // the +Inf bucket
    const double lower = b == 0 ? 0.0 : bounds[b - 1];
    const double below = b == 0 ? 0.0 : static_cast<double>(cumulative[b - 1]);
    const double in_bucket = static_cast<double>(cumulative[b]) - below;
    if (in_bucket <= 0) return lower;
    return lower + (bounds[b] - lower) * (rank - below) / in_bucket;
  }
  return bounds.back();
}

json cluster_metrics_json(const cluster::Cluster& cluster, const Metrics& metrics) {
  Totals all;
  std::map<std::string, Totals> by_operation;
  json services = json::object();
  int active = 0;
  for (const auto& svc : cluster.config().services) {
    json s = {{"type", std::string(config::to_string(svc.type))}};
    Totals totals;
    json ops = json::object();
    if (auto handle = metrics.find_backend(cluster.id(), svc.name)) {
      for (const auto& op : handle->stats()) {
        totals.add(op);
        all.add(op);
        by_operation[op.name].add(op);
        ops[op.name] = {{"requests", op.requests}, {"errors", op.errors}};
      }
    }
    json healthy = nullptr;
    for (const auto& r : cluster.backends().redis) {
      if (r.service == svc.name && r.client) healthy = r.client->ready_connections() > 0;
    }
    if (healthy.is_boolean() && healthy.get<bool>()) ++active;
    s["healthy"] = healthy;
    totals.write(s);
    s["operations"] = std::move(ops);
    services[svc.name] = std::move(s);
  }
  json body = {{"cluster_id", cluster.id()}};
  all.write(body);
  body["active_services"] = active;
  body["services"] = std::move(services);
  json operations = json::object();
  for (const auto& [name, t] : by_operation) {
    operations[name] = {{"requests", t.requests}, {"errors", t.errors}};
  }
  body["operations"] = std::move(operations);
  body["timestamp"] = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return body;
}

}  // namespace throome::monitor
