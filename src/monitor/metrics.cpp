#include "throome/monitor/metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <sstream>

#include "monitor/metrics_state.hpp"
#include "throome/monitor/backend_metrics.hpp"
#include "throome/version.hpp"

namespace throome::monitor {

namespace detail {

MetricsState::MetricsState() : registry(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name("throome_build_info")
      .Help("Version and build commit of the running gateway; the value is always 1.")
      .Register(*registry)
      .Add({{"version", kVersion}, {"commit", kGitCommit}})
      .Set(1);
}

}  // namespace detail

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric::Histogram histogram(const LatencyHistogram::Snapshot& s) {
  ClientMetric::Histogram h;
  const auto& bounds = latency_buckets();
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    ClientMetric::Bucket b;
    b.cumulative_count = s.cumulative[i];
    b.upper_bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    h.bucket.push_back(b);
  }
  h.sample_count = s.count();
  h.sample_sum = s.sum_seconds;
  return h;
}

// The throome_backend_* families of every live handle.
std::vector<MetricFamily> collect_backends(
    const std::vector<std::shared_ptr<BackendMetrics>>& handles) {
  auto requests =
      family("throome_backend_requests_total",
             "Calls the gateway made to a backend, by operation and outcome.", MetricType::Counter);
  auto duration =
      family("throome_backend_request_duration_seconds",
             "Time from issuing a backend call to its completion.", MetricType::Histogram);
  auto in_flight = family("throome_backend_in_flight",
                          "Backend calls issued and not completed yet.", MetricType::Gauge);
  for (const auto& b : handles) {
    const std::vector<ClientMetric::Label> base{
        {"cluster", b->cluster()}, {"service", b->service()}, {"type", b->type()}};
    ClientMetric g;
    g.label = base;
    g.gauge.value = static_cast<double>(b->in_flight());
    in_flight.metric.push_back(std::move(g));
    for (const auto* op : b->operations()) {
      auto labels = base;
      labels.push_back({"operation", op->name()});
      for (std::size_t i = 0; i < kOutcomeCount; ++i) {
        const auto outcome = static_cast<Outcome>(i);
        ClientMetric c;
        c.label = labels;
        c.label.push_back({"outcome", std::string(outcome_name(outcome))});
        c.counter.value = static_cast<double>(op->count(outcome));
        requests.metric.push_back(std::move(c));
      }
      ClientMetric h;
      h.label = std::move(labels);
      h.histogram = histogram(op->duration());
      duration.metric.push_back(std::move(h));
    }
  }
  std::vector<MetricFamily> out;
  for (auto* f : {&requests, &duration, &in_flight}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace

Metrics::Metrics() : state_(std::make_shared<detail::MetricsState>()) {}

Metrics::~Metrics() = default;

std::shared_ptr<prometheus::Registry> Metrics::registry() const { return state_->registry; }

std::shared_ptr<BackendMetrics> Metrics::backend(const std::string& cluster,
                                                 const std::string& service,
                                                 const std::string& type) {
  std::lock_guard lock(state_->mu);
  auto& entry = state_->backends[detail::MetricsState::Key{cluster, service, type}];
  if (auto live = entry.handle.lock()) return live;
  // A dying handle with the same labels (its destructor waits for this lock) sees that the
  // entry is no longer its own and leaves it alone.
  auto handle = std::make_shared<BackendMetrics>(state_, cluster, service, type);
  entry.handle = handle;
  entry.raw = handle.get();
  return handle;
}

std::shared_ptr<BackendMetrics> Metrics::find_backend(std::string_view cluster,
                                                      std::string_view service) const {
  std::lock_guard lock(state_->mu);
  for (const auto& [key, entry] : state_->backends) {
    if (std::get<0>(key) == cluster && std::get<1>(key) == service) {
      if (auto live = entry.handle.lock()) return live;
    }
  }
  return nullptr;
}

std::vector<std::shared_ptr<BackendMetrics>> Metrics::backends_of(std::string_view cluster) const {
  std::vector<std::shared_ptr<BackendMetrics>> out;
  std::lock_guard lock(state_->mu);
  for (const auto& [key, entry] : state_->backends) {
    if (std::get<0>(key) != cluster) continue;
    if (auto live = entry.handle.lock()) out.push_back(std::move(live));
  }
  return out;
}

void Metrics::add_collectable(std::shared_ptr<const prometheus::Collectable> collectable) {
  std::lock_guard lock(state_->mu);
  state_->collectables.push_back(std::move(collectable));
}

std::string Metrics::scrape() const {
  auto families = state_->registry->Collect();
  std::vector<std::shared_ptr<BackendMetrics>> handles;
  std::vector<std::shared_ptr<const prometheus::Collectable>> extra;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [key, entry] : state_->backends) {
      if (auto live = entry.handle.lock()) handles.push_back(std::move(live));
    }
    extra = state_->collectables;
  }
  // The handles are released outside the lock (a last reference runs the destructor, which
  // takes the lock).
  auto backends = collect_backends(handles);
  handles.clear();
  families.insert(families.end(), std::make_move_iterator(backends.begin()),
                  std::make_move_iterator(backends.end()));
  for (const auto& c : extra) {
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace throome::monitor
