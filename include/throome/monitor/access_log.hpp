#pragma once

#include "throome/http/dispatcher.hpp"

namespace throome::monitor {

/// One spdlog line per finished request: method, path (no query), status, bytes, duration,
/// route template, cluster id (when the route has {id}), request id and peer address; for a
/// 5xx answer also the error message (which names the backend's problem).
class AccessLog final : public http::RequestObserver {
 public:
  void on_response(const http::Request& req, const http::Response& resp,
                   std::chrono::nanoseconds duration) override;
};

}  // namespace throome::monitor
