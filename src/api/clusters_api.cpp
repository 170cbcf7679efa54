#include "throome/api/clusters_api.hpp"

#include <spdlog/spdlog.h>

#include "throome/api/body.hpp"
#include "throome/api/cluster_view.hpp"
#include "throome/common/run_blocking.hpp"
#include "throome/http/error_response.hpp"

namespace throome::api {
namespace {

using http::Access;
using http::Request;
using http::Response;

nlohmann::json warnings_json(const std::vector<config::ConfigIssue>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : warnings) out.push_back({{"path", w.path}, {"message", w.message}});
  return out;
}

Error cluster_not_found(const std::string& id) {
  return Error(Errc::not_found, "cluster \"" + id + "\" not found");
}

}  // namespace

ClustersApi::ClustersApi(cluster::Manager& manager, boost::asio::thread_pool& admin_pool)
    : manager_(manager), admin_pool_(admin_pool) {}

void ClustersApi::register_routes(http::RouteTable& routes) {
  auto bind = [this](auto method) {
    return [this, method](Request& req) { return (this->*method)(req); };
  };
  routes.add("GET", "/api/v1/clusters", Access::operate, bind(&ClustersApi::list));
  routes.add("POST", "/api/v1/clusters", Access::administer, bind(&ClustersApi::create));
  routes.add("POST", "/api/v1/clusters/validate", Access::administer, bind(&ClustersApi::validate));
  routes.add("GET", "/api/v1/clusters/{id}", Access::operate, bind(&ClustersApi::get));
  routes.add("PUT", "/api/v1/clusters/{id}", Access::administer, bind(&ClustersApi::replace));
  routes.add("DELETE", "/api/v1/clusters/{id}", Access::administer, bind(&ClustersApi::remove));
  routes.add("GET", "/api/v1/clusters/{id}/services/{name}", Access::operate,
             bind(&ClustersApi::service));
  routes.add("POST", "/api/v1/admin/reload", Access::administer, bind(&ClustersApi::reload));
}

boost::asio::awaitable<Response> ClustersApi::list(Request&) {
  auto snapshot = manager_.registry().snapshot();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, c] : snapshot->clusters) out.push_back(cluster_summary(*c));
  co_return Response::json(200, out);
}

boost::asio::awaitable<Response> ClustersApi::create(Request& req) {
  auto parsed = parse_cluster_body(req);
  if (!parsed) co_return http::error_response(req, parsed.error());
  auto warnings = std::move(parsed->warnings);
  auto job = [this, cfg = std::move(parsed->config)]() mutable {
    return manager_.create(std::move(cfg));
  };
  auto created = co_await run_blocking(admin_pool_, std::move(job));
  if (!created) co_return http::error_response(req, created.error());
  auto body = cluster_summary(**created);
  body["message"] = "cluster created";
  body["warnings"] = warnings_json(warnings);
  auto resp = Response::json(201, body);
  resp.headers.set("Location", "/api/v1/clusters/" + (*created)->id());
  co_return resp;
}

boost::asio::awaitable<Response> ClustersApi::validate(Request& req) {
  auto parsed = parse_cluster_body(req);
  if (!parsed) co_return http::error_response(req, parsed.error());
  if (auto checked = manager_.check(parsed->config); !checked) {
    co_return http::error_response(req, checked.error());
  }
  nlohmann::json cfg = config::to_json(parsed->config);
  co_return Response::json(
      200, {{"valid", true}, {"warnings", warnings_json(parsed->warnings)}, {"config", cfg}});
}

boost::asio::awaitable<Response> ClustersApi::get(Request& req) {
  const auto& id = req.param("id");
  auto c = manager_.registry().find(id);
  if (!c) co_return http::error_response(req, cluster_not_found(id));
  co_return Response::json(200, cluster_detail(*c));
}

boost::asio::awaitable<Response> ClustersApi::replace(Request& req) {
  const auto id = req.param("id");
  if (!manager_.registry().find(id)) co_return http::error_response(req, cluster_not_found(id));
  auto parsed = parse_cluster_body(req);
  if (!parsed) co_return http::error_response(req, parsed.error());
  auto job = [this, id, cfg = std::move(parsed->config)]() mutable {
    return manager_.update(id, std::move(cfg));
  };
  auto updated = co_await run_blocking(admin_pool_, std::move(job));
  if (!updated) co_return http::error_response(req, updated.error());
  auto body = cluster_detail(**updated);
  body["warnings"] = warnings_json(parsed->warnings);
  co_return Response::json(200, body);
}

boost::asio::awaitable<Response> ClustersApi::remove(Request& req) {
  const auto id = req.param("id");
  auto job = [this, id] { return manager_.remove(id); };
  auto removed = co_await run_blocking(admin_pool_, std::move(job));
  if (!removed) co_return http::error_response(req, removed.error());
  co_return Response::json(200, {{"message", "cluster deleted"}, {"id", id}});
}

boost::asio::awaitable<Response> ClustersApi::service(Request& req) {
  const auto& id = req.param("id");
  const auto& name = req.param("name");
  auto c = manager_.registry().find(id);
  if (!c) co_return http::error_response(req, cluster_not_found(id));
  const auto* svc = c->config().find_service(name);
  if (svc == nullptr) {
    co_return http::error_response(
        req,
        Error(Errc::not_found, "service \"" + name + "\" not found in cluster \"" + id + "\""));
  }
  co_return Response::json(200, service_detail(*c, *svc));
}

boost::asio::awaitable<Response> ClustersApi::reload(Request&) {
  auto job = [this] { return manager_.reload(); };
  auto summary = co_await run_blocking(admin_pool_, std::move(job));
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : summary.failures) {
    failures.push_back({{"file", f.file.string()}, {"reason", f.reason}});
  }
  co_return Response::json(200, {{"loaded", summary.loaded}, {"failures", failures}});
}

}  // namespace throome::api
