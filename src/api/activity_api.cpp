#include "throome/api/activity_api.hpp"

#include <charconv>

#include "throome/http/error_response.hpp"
#include "throome/monitor/activity_log.hpp"

namespace throome::api {

using http::Access;
using http::Request;
using http::Response;
using nlohmann::json;

ActivityApi::ActivityApi(cluster::Registry& registry,
                         std::shared_ptr<const monitor::ActivityLog> activity)
    : registry_(registry), activity_(std::move(activity)) {}

void ActivityApi::register_routes(http::RouteTable& routes) {
  auto bind = [this](auto method) {
    return [this, method](Request& req) { return (this->*method)(req); };
  };
  routes.add("GET", "/api/v1/activity", Access::operate, bind(&ActivityApi::all));
  routes.add("GET", "/api/v1/clusters/{id}/activity", Access::operate,
             bind(&ActivityApi::of_cluster));
  routes.add("GET", "/api/v1/clusters/{id}/services/{name}/activity", Access::operate,
             bind(&ActivityApi::of_service));
}

Response ActivityApi::respond(const Request& req, std::string_view cluster,
                              std::string_view service) const {
  if (!activity_ || activity_->options().capacity == 0) {
    return http::error_response(
        req, Error(Errc::not_found, "the activity log is disabled",
                   "monitoring.enabled is false or monitoring.activity_size is 0"));
  }
  const std::size_t capacity = activity_->options().capacity;
  std::size_t limit = std::min(kDefaultLimit, capacity);
  if (auto text = req.query_param("limit")) {
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || ptr != text->data() + text->size() || value < 1) {
      return http::error_response(
          req, Error(Errc::bad_request, "query parameter \"limit\" must be a positive integer",
                     "at most " + std::to_string(capacity) + " entries are kept"));
    }
    limit = std::min(value, capacity);
  }
  json items = json::array();
  for (const auto& e : activity_->recent(limit, cluster, service)) {
    items.push_back(monitor::ActivityLog::to_json(e));
  }
  const auto count = items.size();
  json body = {{"activities", std::move(items)}, {"count", count}, {"limit", limit}};
  if (!cluster.empty()) body["cluster_id"] = cluster;
  if (!service.empty()) body["service_name"] = service;
  return Response::json(200, body);
}

boost::asio::awaitable<Response> ActivityApi::all(Request& req) { co_return respond(req, {}, {}); }

boost::asio::awaitable<Response> ActivityApi::of_cluster(Request& req) {
  const auto& id = req.param("id");
  if (!registry_.find(id)) {
    co_return http::error_response(req, Error(Errc::not_found, "cluster \"" + id + "\" not found"));
  }
  co_return respond(req, id, {});
}

boost::asio::awaitable<Response> ActivityApi::of_service(Request& req) {
  const auto& id = req.param("id");
  const auto& name = req.param("name");
  auto cluster = registry_.find(id);
  if (!cluster) {
    co_return http::error_response(req, Error(Errc::not_found, "cluster \"" + id + "\" not found"));
  }
  bool known = false;
  for (const auto& s : cluster->config().services) known = known || s.name == name;
  if (!known) {
    co_return http::error_response(
        req,
        Error(Errc::not_found, "service \"" + name + "\" not found in cluster \"" + id + "\""));
  }
  co_return respond(req, id, name);
}

}  // namespace throome::api
