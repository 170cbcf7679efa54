#include "throome/monitor/http_metrics.hpp"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "throome/monitor/latency_histogram.hpp"
#include "throome/monitor/metrics.hpp"
#include "throome/monitor/sharded_counters.hpp"

namespace throome::monitor {
namespace {

constexpr std::array<std::string_view, 8> kMethods{"GET",    "HEAD",    "POST",  "PUT",
                                                   "DELETE", "OPTIONS", "PATCH", "other"};
constexpr std::uint8_t kOtherMethod = 7;
constexpr std::string_view kUnmatched = "unmatched";

std::uint8_t method_index(std::string_view method) noexcept {
  for (std::uint8_t i = 0; i < kOtherMethod; ++i) {
    if (kMethods[i] == method) return i;
  }
  return kOtherMethod;
}

std::atomic<std::uint64_t> next_instance{1};

}  // namespace

namespace detail {

/// The series of one HttpMetrics: created on first use, never removed (routes are a fixed
/// set), collected at scrape time.
class HttpSeries final : public prometheus::Collectable {
 public:
  // Per (method, route).
  struct Route {
    LatencyHistogram duration;
    ShardedCounters<2> bytes;  // request, response
  };
  // Per (method, route, code).
  struct Code {
    Route* route;
    ShardedCounters<1> requests;
  };

  Code& find(std::uint8_t method, std::string_view route, int code) {
    std::lock_guard lock(mu_);
    auto key = std::make_tuple(method, std::string(route), code);
    auto it = codes_.find(key);
    if (it != codes_.end()) return *it->second;
    auto& r = routes_[std::make_pair(method, std::string(route))];
    if (!r) r = std::make_unique<Route>();
    auto c = std::make_unique<Code>();
    c->route = r.get();
    return *codes_.emplace(std::move(key), std::move(c)).first->second;
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::ClientMetric;
    using prometheus::MetricType;
    auto family = [](const char* name, const char* help, MetricType type) {
      prometheus::MetricFamily f;
      f.name = name;
      f.help = help;
      f.type = type;
      return f;
    };
    auto requests = family("throome_http_requests_total",
                           "HTTP requests answered, by method, route template and status code.",
                           MetricType::Counter);
    auto duration = family("throome_http_request_duration_seconds",
                           "Time from a request having been read to its response being ready.",
                           MetricType::Histogram);
    auto req_bytes =
        family("throome_http_request_bytes_total",
               "Request body bytes received, by method and route template.", MetricType::Counter);
    auto resp_bytes =
        family("throome_http_response_bytes_total",
               "Response body bytes sent, by method and route template.", MetricType::Counter);
    std::lock_guard lock(mu_);
    for (const auto& [key, c] : codes_) {
      ClientMetric m;
      m.label = {{"method", std::string(kMethods[std::get<0>(key)])},
                 {"route", std::get<1>(key)},
                 {"code", std::to_string(std::get<2>(key))}};
      m.counter.value = static_cast<double>(c->requests.total(0));
      requests.metric.push_back(std::move(m));
    }
    const auto& bounds = latency_buckets();
    for (const auto& [key, r] : routes_) {
      const std::vector<ClientMetric::Label> labels{{"method", std::string(kMethods[key.first])},
                                                    {"route", key.second}};
      ClientMetric h;
      h.label = labels;
      const auto snap = r->duration.snapshot();
      for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
        h.histogram.bucket.push_back(
            {snap.cumulative[i],
             i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity()});
      }
      h.histogram.sample_count = snap.count();
      h.histogram.sample_sum = snap.sum_seconds;
      duration.metric.push_back(std::move(h));
      ClientMetric in;
      in.label = labels;
      in.counter.value = static_cast<double>(r->bytes.total(0));
      req_bytes.metric.push_back(std::move(in));
      ClientMetric out;
      out.label = labels;
      out.counter.value = static_cast<double>(r->bytes.total(1));
      resp_bytes.metric.push_back(std::move(out));
    }
    std::vector<prometheus::MetricFamily> out;
    for (auto* f : {&requests, &duration, &req_bytes, &resp_bytes}) {
      if (!f->metric.empty()) out.push_back(std::move(*f));
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::uint8_t, std::string, int>, std::unique_ptr<Code>> codes_;
  std::map<std::pair<std::uint8_t, std::string>, std::unique_ptr<Route>> routes_;
};

}  // namespace detail

namespace {

// The calling thread's cache of resolved series: (instance, method, code, route) -> Code.
// Instances have unique ids, so a destroyed instance's entries are never found again.
struct CacheKey {
  std::uint64_t instance;
  std::uint8_t method;
  int code;
  std::string_view route;  // points into `route_storage` of the entry, or the request
  bool operator==(const CacheKey& o) const noexcept {
    return instance == o.instance && method == o.method && code == o.code && route == o.route;
  }
};
struct CacheKeyHash {
  std::size_t operator()(const CacheKey& k) const noexcept {
    return std::hash<std::string_view>{}(k.route) ^ (k.instance * 0x9e3779b97f4a7c15ULL) ^
           (static_cast<std::size_t>(k.code) << 8) ^ k.method;
  }
};
struct CacheEntry {
  std::unique_ptr<std::string> route_storage;  // stable address for the key's string_view
  detail::HttpSeries::Code* series;
};
constexpr std::size_t kMaxCacheEntries = 4096;

}  // namespace

std::string_view HttpMetrics::method_label(std::string_view method) noexcept {
  return kMethods[method_index(method)];
}

std::string_view HttpMetrics::route_label(std::string_view route) noexcept {
  return route.empty() ? kUnmatched : route;
}

HttpMetrics::HttpMetrics(Metrics& metrics)
    : series_(std::make_shared<detail::HttpSeries>()),
      id_(next_instance.fetch_add(1, std::memory_order_relaxed)) {
  metrics.add_collectable(series_);
}

HttpMetrics::~HttpMetrics() = default;

void HttpMetrics::on_response(const http::Request& req, const http::Response& resp,
                              std::chrono::nanoseconds duration) {
  thread_local std::unordered_map<CacheKey, CacheEntry, CacheKeyHash> cache;
  const CacheKey key{id_, method_index(req.method), resp.status, route_label(req.route)};
  detail::HttpSeries::Code* s = nullptr;
  if (auto it = cache.find(key); it != cache.end()) {
    s = it->second.series;
  } else {
    s = &series_->find(key.method, key.route, key.code);
    if (cache.size() >= kMaxCacheEntries) cache.clear();
    auto stored = std::make_unique<std::string>(key.route);
    CacheKey owned = key;
    owned.route = *stored;
    cache.emplace(owned, CacheEntry{std::move(stored), s});
  }
  s->requests.add(0);
  s->route->duration.observe(std::chrono::duration<double>(duration).count());
  // The body as received: a handler may have taken it (body_bytes is 0 when not recorded).
  const std::size_t in = std::max(req.body.size(), req.body_bytes);
  if (in > 0) s->route->bytes.add(0, in);
  if (!resp.body.empty()) s->route->bytes.add(1, resp.body.size());
}

}  // namespace throome::monitor
