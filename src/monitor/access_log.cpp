#include "throome/monitor/access_log.hpp"

#include <spdlog/spdlog.h>

namespace throome::monitor {

void AccessLog::on_response(const http::Request& req, const http::Response& resp,
                            std::chrono::nanoseconds duration) {
  const double ms = static_cast<double>(duration.count()) / 1e6;
  const auto level = resp.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "http {} {} {} {}B {:.3f}ms route={} rid={} peer={}",
              req.method.empty() ? "-" : req.method, req.path.empty() ? "-" : req.path, resp.status,
              resp.body.size(), ms, req.route.empty() ? "-" : req.route, req.request_id,
              req.remote_address);
}

}  // namespace throome::monitor
