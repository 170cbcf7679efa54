#include "throome/client/client.hpp"

#include <string>
#include <utility>

#include "client/http_transport.hpp"

namespace throome::client {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kYaml = "application/yaml";
constexpr std::string_view kClustersPath = "/api/v1/clusters";

std::string cluster_path(std::string_view id) {
  return std::string(kClustersPath) + "/" + encode_path_segment(id);
}

/// The message of a non-2xx answer: the daemon's "error" field, else the status line.
std::string http_error_message(const Response& r) {
  if (r.json.is_object()) {
    if (auto it = r.json.find("error"); it != r.json.end() && it->is_string()) {
      if (!it->get_ref<const std::string&>().empty()) return it->get<std::string>();
    }
  }
  std::string message = "HTTP " + std::to_string(r.status);
  if (!r.reason.empty()) message += " " + r.reason;
  return message;
}

}  // namespace

class Client::Impl {
 public:
  Impl(ServerUrl server_url, ClientOptions client_options)
      : server(std::move(server_url)),
        options(std::move(client_options)),
        transport(server, options.timeout) {}

  ServerUrl server;
  ClientOptions options;
  detail::HttpTransport transport;
};

ClientResult<Client> Client::create(ClientOptions options) {
  auto server = parse_server_url(options.server_url);
  if (!server) return server.error();
  if (options.timeout.count() <= 0) {
    return ClientError(ClientError::Kind::usage, "the timeout must be positive");
  }
  return Client(std::make_unique<Impl>(std::move(*server), std::move(options)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

const ServerUrl& Client::server() const noexcept { return impl_->server; }
const ClientOptions& Client::options() const noexcept { return impl_->options; }

ClientResult<Response> Client::request(std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type) {
  if (path.empty() || path.front() != '/') {
    return ClientError(ClientError::Kind::usage,
                       "request path must start with '/' (got \"" + std::string(path) + "\")");
  }
  detail::HttpRequest req;
  req.method = method;
  req.target = impl_->server.base_path + std::string(path);
  req.body = body;
  req.content_type = content_type;
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", impl_->options.user_agent);
  if (!impl_->options.token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + impl_->options.token);
  }

  auto raw = impl_->transport.send(req);
  if (!raw) return raw.error();
  Response out;
  out.status = raw->status;
  out.reason = std::move(raw->reason);
  out.content_type = std::move(raw->content_type);
  out.body = std::move(raw->body);
  if (!out.body.empty()) {
    out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
    if (out.json.is_discarded()) out.json = nullptr;
  }
  return out;
}

ClientResult<nlohmann::json> Client::call(std::string_view method, std::string_view path,
                                          std::string_view body, std::string_view content_type) {
  auto response = request(method, path, body, content_type);
  if (!response) return response.error();
  Response& r = *response;
  if (r.status < 200 || r.status > 299) {
    const bool is_error_status = r.status >= 400 && r.status <= 599;
    std::string message = is_error_status ? http_error_message(r)
                                          : "unexpected HTTP " + std::to_string(r.status) +
                                                " from " + impl_->server.to_string();
    nlohmann::json error_body =
        !r.json.is_null() ? std::move(r.json) : nlohmann::json(std::move(r.body));
    return ClientError(is_error_status ? ClientError::Kind::http : ClientError::Kind::protocol,
                       std::move(message), r.status, std::move(error_body));
  }
  if (r.json.is_null()) {
    return ClientError(ClientError::Kind::protocol,
                       "the response from " + impl_->server.to_string() + " is not JSON", r.status);
  }
  return std::move(r.json);
}

namespace {

ClientResult<nlohmann::json> expect_object(ClientResult<nlohmann::json> r,
                                           const std::string& what) {
  if (r && !r->is_object()) {
    return ClientError(ClientError::Kind::protocol, what + ": expected a JSON object");
  }
  return r;
}

}  // namespace

ClientResult<nlohmann::json> Client::health() {
  return expect_object(call("GET", "/health", {}, kJson), "GET /health");
}

ClientResult<nlohmann::json> Client::list_clusters() {
  auto r = call("GET", kClustersPath, {}, kJson);
  if (r && !r->is_array()) {
    return ClientError(ClientError::Kind::protocol, "GET /api/v1/clusters: expected a JSON array",
                       200, std::move(*r));
  }
  return r;
}

ClientResult<nlohmann::json> Client::get_cluster(std::string_view id) {
  const auto path = cluster_path(id);
  return expect_object(call("GET", path, {}, kJson), "GET " + path);
}

ClientResult<nlohmann::json> Client::create_cluster(const nlohmann::json& body) {
  return expect_object(call("POST", kClustersPath, body.dump(), kJson), "POST /api/v1/clusters");
}

ClientResult<nlohmann::json> Client::create_cluster_yaml(std::string_view yaml) {
  return expect_object(call("POST", kClustersPath, yaml, kYaml), "POST /api/v1/clusters");
}

ClientResult<nlohmann::json> Client::update_cluster(std::string_view id,
                                                    const nlohmann::json& body) {
  const auto path = cluster_path(id);
  return expect_object(call("PUT", path, body.dump(), kJson), "PUT " + path);
}

ClientResult<nlohmann::json> Client::update_cluster_yaml(std::string_view id,
                                                         std::string_view yaml) {
  const auto path = cluster_path(id);
  return expect_object(call("PUT", path, yaml, kYaml), "PUT " + path);
}

ClientResult<nlohmann::json> Client::delete_cluster(std::string_view id) {
  const auto path = cluster_path(id);
  return expect_object(call("DELETE", path, {}, kJson), "DELETE " + path);
}

ClientResult<nlohmann::json> Client::validate_cluster(const nlohmann::json& body) {
  const std::string path = std::string(kClustersPath) + "/validate";
  return expect_object(call("POST", path, body.dump(), kJson), "POST " + path);
}

ClientResult<nlohmann::json> Client::validate_cluster_yaml(std::string_view yaml) {
  const std::string path = std::string(kClustersPath) + "/validate";
  return expect_object(call("POST", path, yaml, kYaml), "POST " + path);
}

}  // namespace throome::client
