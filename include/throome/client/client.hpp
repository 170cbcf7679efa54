#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "throome/client/client_error.hpp"
#include "throome/client/client_options.hpp"
#include "throome/client/server_url.hpp"
#include "throome/client/views.hpp"

namespace throome::client {

namespace detail {
struct ApiCall;
}  // namespace detail

/// One HTTP response from the daemon, whatever its status.
struct Response {
  int status = 0;
  std::string reason;  // the status line's reason phrase, e.g. "Not Found"
  std::string content_type;
  std::string body;     // raw bytes as received
  nlohmann::json json;  // the parsed body when it is JSON, else null
};

/// A blocking client of the daemon's REST API (v1): cluster management here, data through the
/// cache(), db(), queue() and cluster() views. Keeps one keep-alive connection (TLS for
/// https:// URLs) and reconnects when the server closed it. Thread-compatible: use one
/// instance per thread. Never use it on an Asio io_context thread: AsyncClient is the
/// coroutine flavour.
///
/// Every call returns a value or a ClientError: Kind::transport when the daemon cannot be
/// reached within options.timeout, Kind::http for a non-2xx answer (body() is the daemon's
/// error object), Kind::protocol when a 2xx answer is not the expected JSON.
class Client {
 public:
  /// @return a client for options.server_url (nothing is connected yet), or a
  ///         Kind::usage error for a malformed URL, a non-positive timeout or TLS files that
  ///         cannot be loaded.
  static ClientResult<Client> create(ClientOptions options);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  const ServerUrl& server() const noexcept;
  const ClientOptions& options() const noexcept;

  /// The data views of a cluster; an empty id means options().cluster. Views borrow this
  /// client. Calls on a view without any cluster id fail with Kind::usage.
  CacheView cache(std::string_view cluster = {});
  DbView db(std::string_view cluster = {});
  QueueView queue(std::string_view cluster = {});
  ClusterView cluster(std::string_view cluster = {});

  /// How many connections this client has opened so far (keep-alive reuse keeps it at 1).
  int connections_opened() const noexcept;

  /// GET /health. @return {"status","timestamp","version"}.
  ClientResult<nlohmann::json> health();
  /// GET /api/v1/clusters. @return the JSON array of cluster summaries.
  ClientResult<nlohmann::json> list_clusters();
  /// GET /api/v1/clusters/{id}. @return the cluster (secrets redacted); 404 when unknown.
  ClientResult<nlohmann::json> get_cluster(std::string_view id);
  /// POST /api/v1/clusters with a JSON body ({"name","services",...} or {"name","config"}).
  /// @return the creation response {"id","name",...,"warnings"}; 400 invalid, 409 duplicate.
  ClientResult<nlohmann::json> create_cluster(const nlohmann::json& body);
  /// POST /api/v1/clusters with a cluster YAML document (Content-Type: application/yaml).
  ClientResult<nlohmann::json> create_cluster_yaml(std::string_view yaml);
  /// PUT /api/v1/clusters/{id} with a JSON body. @return the cluster as get_cluster does.
  ClientResult<nlohmann::json> update_cluster(std::string_view id, const nlohmann::json& body);
  /// PUT /api/v1/clusters/{id} with a cluster YAML document.
  ClientResult<nlohmann::json> update_cluster_yaml(std::string_view id, std::string_view yaml);
  /// DELETE /api/v1/clusters/{id}. @return {"message","id"}; 404 when unknown.
  ClientResult<nlohmann::json> delete_cluster(std::string_view id);
  /// POST /api/v1/clusters/validate. @return {"valid":true,"warnings","config"}; a 400
  ///         Kind::http error whose details() lists every issue when invalid.
  ClientResult<nlohmann::json> validate_cluster(const nlohmann::json& body);
  /// POST /api/v1/clusters/validate with a cluster YAML document.
  ClientResult<nlohmann::json> validate_cluster_yaml(std::string_view yaml);

  /// Sends one request; `path` starts with '/' and is appended to the URL's base path.
  /// `content_type` is sent only with a non-empty body.
  /// @return the response for every HTTP status; an error only for Kind::transport (or
  ///         Kind::usage for a bad method/path).
  ClientResult<Response> request(std::string_view method, std::string_view path,
                                 std::string_view body = {},
                                 std::string_view content_type = "application/json");

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  friend class CacheView;
  friend class DbView;
  friend class QueueView;
  friend class ClusterView;
  /// request() and then: non-2xx -> Kind::http error, 2xx must be JSON.
  ClientResult<nlohmann::json> call(std::string_view method, std::string_view path,
                                    std::string_view body, std::string_view content_type);
  /// call() for a data-view request built by the codec.
  ClientResult<nlohmann::json> call(const ClientResult<detail::ApiCall>& api);
  std::unique_ptr<Impl> impl_;
};

}  // namespace throome::client
