#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/client/client.hpp"
#include "throome/client/client_error.hpp"
#include "throome/client/client_options.hpp"
#include "throome/client/data.hpp"

namespace throome::client {

class AsyncCacheView;
class AsyncDbView;
class AsyncQueueView;
class AsyncClusterView;

/// The coroutine flavour of Client: every call is a boost::asio::awaitable that never blocks
/// the io_context thread, and resumes on the caller's executor. Idle keep-alive connections
/// are pooled, so concurrent calls run on separate connections and sequential calls reuse
/// one. Copies share the pool; thread-safe. Errors are values, as with Client.
///
///   auto client = throome::client::AsyncClient::create(ioc.get_executor(), options).value();
///   auto value = co_await client.cache("demo").get("user:42");
class AsyncClient {
 public:
  /// @return a client whose connections live on `executor` (nothing is connected yet), or a
  ///         Kind::usage error for bad options (as Client::create).
  static ClientResult<AsyncClient> create(boost::asio::any_io_executor executor,
                                          ClientOptions options);

  const ServerUrl& server() const noexcept;
  const ClientOptions& options() const noexcept;

  /// The data views of a cluster; an empty id means options().cluster. Views share this
  /// client's connections and may outlive it.
  AsyncCacheView cache(std::string_view cluster = {}) const;
  AsyncDbView db(std::string_view cluster = {}) const;
  AsyncQueueView queue(std::string_view cluster = {}) const;
  AsyncClusterView cluster(std::string_view cluster = {}) const;

  /// GET /health. @return {"status","timestamp","version"}.
  boost::asio::awaitable<ClientResult<nlohmann::json>> health() const;
  /// GET /api/v1/clusters. @return the JSON array of cluster summaries.
  boost::asio::awaitable<ClientResult<nlohmann::json>> list_clusters() const;
  /// POST /api/v1/clusters. @return the creation response; 400 invalid, 409 duplicate.
  boost::asio::awaitable<ClientResult<nlohmann::json>> create_cluster(nlohmann::json body) const;
  /// Sends one request (as Client::request). @return the response for every HTTP status.
  boost::asio::awaitable<ClientResult<Response>> request(
      std::string method, std::string path, std::string body = {},
      std::string content_type = "application/json") const;

  /// How many connections have been opened so far.
  int connections_opened() const noexcept;

  struct Impl;

 private:
  explicit AsyncClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

/// The cache API of one cluster, as coroutines (see CacheView for each call's meaning).
class AsyncCacheView {
 public:
  boost::asio::awaitable<ClientResult<std::optional<std::string>>> get(std::string key) const;
  boost::asio::awaitable<ClientResult<bool>> set(std::string key, std::string value,
                                                 SetOptions options = {}) const;
  boost::asio::awaitable<ClientResult<std::int64_t>> del(std::string key) const;
  boost::asio::awaitable<ClientResult<std::int64_t>> del(std::vector<std::string> keys) const;
  boost::asio::awaitable<ClientResult<std::int64_t>> incr(std::string key,
                                                          std::int64_t by = 1) const;
  boost::asio::awaitable<ClientResult<bool>> exists(std::string key) const;
  boost::asio::awaitable<ClientResult<std::optional<std::chrono::seconds>>> ttl(
      std::string key) const;

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class AsyncClient;
  AsyncCacheView(std::shared_ptr<AsyncClient::Impl> impl, std::string cluster)
      : impl_(std::move(impl)), cluster_(std::move(cluster)) {}
  std::shared_ptr<AsyncClient::Impl> impl_;
  std::string cluster_;
};

/// The database API of one cluster, as coroutines (see DbView).
class AsyncDbView {
 public:
  boost::asio::awaitable<ClientResult<QueryResult>> query(
      std::string sql, nlohmann::json args = nlohmann::json::array()) const;
  boost::asio::awaitable<ClientResult<ExecResult>> execute(
      std::string sql, nlohmann::json args = nlohmann::json::array()) const;

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class AsyncClient;
  AsyncDbView(std::shared_ptr<AsyncClient::Impl> impl, std::string cluster)
      : impl_(std::move(impl)), cluster_(std::move(cluster)) {}
  std::shared_ptr<AsyncClient::Impl> impl_;
  std::string cluster_;
};

/// The queue API of one cluster, as coroutines (see QueueView).
class AsyncQueueView {
 public:
  boost::asio::awaitable<ClientResult<PublishResult>> publish(std::string topic,
                                                              Message message) const;
  boost::asio::awaitable<ClientResult<ReadResult>> read(std::string topic,
                                                        ReadOptions options = {}) const;
  boost::asio::awaitable<ClientResult<std::vector<std::string>>> topics() const;

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class AsyncClient;
  AsyncQueueView(std::shared_ptr<AsyncClient::Impl> impl, std::string cluster)
      : impl_(std::move(impl)), cluster_(std::move(cluster)) {}
  std::shared_ptr<AsyncClient::Impl> impl_;
  std::string cluster_;
};

/// One cluster's own resources, as coroutines (see ClusterView).
class AsyncClusterView {
 public:
  boost::asio::awaitable<ClientResult<nlohmann::json>> info() const;
  boost::asio::awaitable<ClientResult<nlohmann::json>> health() const;
  boost::asio::awaitable<ClientResult<nlohmann::json>> metrics() const;
  boost::asio::awaitable<ClientResult<nlohmann::json>> remove() const;

  const std::string& id() const noexcept { return cluster_; }

 private:
  friend class AsyncClient;
  AsyncClusterView(std::shared_ptr<AsyncClient::Impl> impl, std::string cluster)
      : impl_(std::move(impl)), cluster_(std::move(cluster)) {}
  std::shared_ptr<AsyncClient::Impl> impl_;
  std::string cluster_;
};

}  // namespace throome::client
