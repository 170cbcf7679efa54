#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "throome/http/dispatcher.hpp"

namespace throome::monitor {

class Metrics;

namespace detail {
class HttpSeries;
}

/// The HTTP families, fed by the dispatcher for every response (404/405/413 included):
/// throome_http_requests_total{method,route,code},
/// throome_http_request_duration_seconds{method,route},
/// throome_http_request_bytes_total{method,route}, throome_http_response_bytes_total{...}.
/// `route` is the matched template ("unmatched" when none matched): never a raw path.
/// The series of each (method, route, code) are resolved once, then found through a
/// per-thread cache (no lock on the request path). Thread-safe.
class HttpMetrics final : public http::RequestObserver {
 public:
  /// Registers the families with `metrics` (exposed by its scrape()).
  explicit HttpMetrics(Metrics& metrics);
  ~HttpMetrics() override;

  void on_response(const http::Request& req, const http::Response& resp,
                   std::chrono::nanoseconds duration) override;

  /// The `method` label: one of the standard methods, else "other".
  static std::string_view method_label(std::string_view method) noexcept;
  /// The `route` label: the template, or "unmatched".
  static std::string_view route_label(std::string_view route) noexcept;

 private:
  std::shared_ptr<detail::HttpSeries> series_;
  std::uint64_t id_;  // tells this instance's entries apart in the per-thread caches
};

}  // namespace throome::monitor
