#include "throome/client/client.hpp"

#include <string>
#include <utility>

#include "client/api_codec.hpp"
#include "client/client_impl.hpp"
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

namespace detail {

ClientResult<ServerUrl> validate_options(const ClientOptions& options) {
  auto server = parse_server_url(options.server_url);
  if (!server) return server.error();
  if (options.timeout.count() <= 0) {
    return ClientError(ClientError::Kind::usage, "the timeout must be positive");
  }
  // A header value cannot carry line breaks; refuse instead of sending a broken request.
  if (options.token.find_first_of("\r\n") != std::string::npos) {
    return ClientError(ClientError::Kind::usage, "the token must not contain line breaks");
  }
  return server;
}

ClientResult<HttpRequest> make_request(const ServerUrl& server, const ClientOptions& options,
                                       std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type) {
  if (path.empty() || path.front() != '/') {
    return ClientError(ClientError::Kind::usage,
                       "request path must start with '/' (got \"" + std::string(path) + "\")");
  }
  HttpRequest req;
  req.method = std::string(method);
  req.target = server.base_path + std::string(path);
  req.body = std::string(body);
  req.content_type = std::string(content_type);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", options.user_agent);
  if (!options.token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + options.token);
  }
  return req;
}

Response to_response(HttpResponse raw) {
  Response out;
  out.status = raw.status;
  out.reason = std::move(raw.reason);
  out.content_type = std::move(raw.content_type);
  out.body = std::move(raw.body);
  if (!out.body.empty()) {
    out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
    if (out.json.is_discarded()) out.json = nullptr;
  }
  return out;
}

ClientResult<nlohmann::json> to_result(Response r, const ServerUrl& server) {
  if (r.status < 200 || r.status > 299) {
    const bool is_error_status = r.status >= 400 && r.status <= 599;
    std::string message = is_error_status ? http_error_message(r)
                                          : "unexpected HTTP " + std::to_string(r.status) +
                                                " from " + server.to_string();
    nlohmann::json error_body =
        !r.json.is_null() ? std::move(r.json) : nlohmann::json(std::move(r.body));
    return ClientError(is_error_status ? ClientError::Kind::http : ClientError::Kind::protocol,
                       std::move(message), r.status, std::move(error_body));
  }
  if (r.json.is_null()) {
    return ClientError(ClientError::Kind::protocol,
                       "the response from " + server.to_string() + " is not JSON", r.status);
  }
  return std::move(r.json);
}

}  // namespace detail

class Client::Impl {
 public:
  Impl(ServerUrl server_url, ClientOptions client_options,
       std::unique_ptr<detail::HttpTransport> http_transport)
      : server(std::move(server_url)),
        options(std::move(client_options)),
        transport(std::move(http_transport)) {}

  ServerUrl server;
  ClientOptions options;
  std::unique_ptr<detail::HttpTransport> transport;
};

ClientResult<Client> Client::create(ClientOptions options) {
  auto server = detail::validate_options(options);
  if (!server) return server.error();
  auto transport = detail::HttpTransport::create(*server, options.timeout, options.tls);
  if (!transport) return transport.error();
  return Client(
      std::make_unique<Impl>(std::move(*server), std::move(options), std::move(*transport)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

const ServerUrl& Client::server() const noexcept { return impl_->server; }
const ClientOptions& Client::options() const noexcept { return impl_->options; }
int Client::connections_opened() const noexcept { return impl_->transport->connections_opened(); }

CacheView Client::cache(std::string_view cluster) {
  return CacheView(*this, std::string(cluster.empty() ? impl_->options.cluster : cluster));
}
DbView Client::db(std::string_view cluster) {
  return DbView(*this, std::string(cluster.empty() ? impl_->options.cluster : cluster));
}
QueueView Client::queue(std::string_view cluster) {
  return QueueView(*this, std::string(cluster.empty() ? impl_->options.cluster : cluster));
}
ClusterView Client::cluster(std::string_view cluster) {
  return ClusterView(*this, std::string(cluster.empty() ? impl_->options.cluster : cluster));
}

ClientResult<Response> Client::request(std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type) {
  auto req = detail::make_request(impl_->server, impl_->options, method, path, body, content_type);
  if (!req) return req.error();
  auto raw = impl_->transport->send(*req);
  if (!raw) return raw.error();
  return detail::to_response(std::move(*raw));
}

ClientResult<nlohmann::json> Client::call(std::string_view method, std::string_view path,
                                          std::string_view body, std::string_view content_type) {
  auto response = request(method, path, body, content_type);
  if (!response) return response.error();
  return detail::to_result(std::move(*response), impl_->server);
}

ClientResult<nlohmann::json> Client::call(const ClientResult<detail::ApiCall>& api) {
  if (!api) return api.error();
  return call(api->method, api->path, api->body, kJson);
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
