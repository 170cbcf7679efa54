#include "throome/api/health_api.hpp"

#include <chrono>

#include "throome/version.hpp"

namespace throome::api {
namespace {

using http::Access;
using http::Request;
using http::Response;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HealthApi::HealthApi(cluster::Manager& manager, const std::atomic<bool>& ready)
    : manager_(manager), ready_(ready) {}

void HealthApi::register_routes(http::RouteTable& routes) {
  auto bind = [this](auto method) {
    return [this, method](Request& req) { return (this->*method)(req); };
  };
  routes.add("GET", "/", Access::open, bind(&HealthApi::info));
  routes.add("GET", "/health", Access::open, bind(&HealthApi::health));
  routes.add("GET", "/api/v1/health", Access::open, bind(&HealthApi::health));
  routes.add("GET", "/readyz", Access::open, bind(&HealthApi::readyz));
}

boost::asio::awaitable<Response> HealthApi::info(Request&) {
  co_return Response::json(200, {{"service", "Throome Gateway"},
                                 {"version", kVersion},
                                 {"commit", kGitCommit},
                                 {"status", "running"},
                                 {"api", "/api/v1"},
                                 {"health", "/health"}});
}

boost::asio::awaitable<Response> HealthApi::health(Request&) {
  co_return Response::json(
      200, {{"status", "healthy"}, {"timestamp", unix_now()}, {"version", kVersion}});
}

boost::asio::awaitable<Response> HealthApi::readyz(Request&) {
  const bool ready = ready_.load();
  auto snapshot = manager_.registry().snapshot();
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& f : manager_.last_failures()) {
    skipped.push_back({{"file", f.file.filename().string() == "config.yaml"
                                    ? f.file.parent_path().filename().string()
                                    : f.file.filename().string()},
                       {"reason", f.reason}});
  }
  nlohmann::json body = {{"status", ready ? "ready" : "not_ready"},
                         {"clusters", snapshot->clusters.size()},
                         {"skipped_clusters", std::move(skipped)},
                         {"timestamp", unix_now()}};
  co_return Response::json(ready ? 200 : 503, body);
}

}  // namespace throome::api
