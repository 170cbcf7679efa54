#pragma once

#include "throome/http/dispatcher.hpp"

namespace throome::monitor {

/// One spdlog line per finished request: method, path (no query), status, bytes, duration,
/// route template, request id and peer address.
class AccessLog final : public http::RequestObserver {
 public:
  void on_response(const http::Request& req, const http::Response& resp,
                   std::chrono::nanoseconds duration) override;
};

}  // namespace throome::monitor
