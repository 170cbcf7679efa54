#include "throome/client/async_client.hpp"

#include <utility>

#include "client/api_codec.hpp"
#include "client/client_impl.hpp"
#include "client/http_transport.hpp"

namespace throome::client {

namespace asio = boost::asio;
using nlohmann::json;

struct AsyncClient::Impl {
  ServerUrl server;
  ClientOptions options;
  std::shared_ptr<detail::AsyncTransport> transport;

  asio::awaitable<ClientResult<Response>> request(std::string method, std::string path,
                                                  std::string body, std::string content_type) {
    auto req = detail::make_request(server, options, method, path, body, content_type);
    if (!req) co_return req.error();
    auto op = transport->send(std::move(*req));
    auto raw = co_await std::move(op);
    if (!raw) co_return raw.error();
    co_return detail::to_response(std::move(*raw));
  }

  asio::awaitable<ClientResult<json>> call(ClientResult<detail::ApiCall> api) {
    if (!api) co_return api.error();
    auto op = request(std::move(api->method), std::move(api->path), std::move(api->body),
                      "application/json");
    auto response = co_await std::move(op);
    if (!response) co_return response.error();
    co_return detail::to_result(std::move(*response), server);
  }
};

namespace {

/// Runs the call on `impl` (kept alive by this frame) and reads the answer with `parse`.
/// View methods are plain functions returning this coroutine, so nothing refers to the view
/// once the awaitable exists.
template <class T, class Parse>
asio::awaitable<ClientResult<T>> run(std::shared_ptr<AsyncClient::Impl> impl,
                                     ClientResult<detail::ApiCall> api, Parse parse) {
  auto op = impl->call(std::move(api));
  auto answer = co_await std::move(op);
  if (!answer) co_return answer.error();
  co_return parse(*answer);
}

ClientResult<json> identity(const json& j) { return j; }

std::string pick(std::string_view cluster, const ClientOptions& options) {
  return std::string(cluster.empty() ? std::string_view(options.cluster) : cluster);
}

}  // namespace

ClientResult<AsyncClient> AsyncClient::create(asio::any_io_executor executor,
                                              ClientOptions options) {
  auto server = detail::validate_options(options);
  if (!server) return server.error();
  auto transport =
      detail::AsyncTransport::create(std::move(executor), *server, options.timeout, options.tls);
  if (!transport) return transport.error();
  auto impl = std::make_shared<Impl>();
  impl->server = std::move(*server);
  impl->options = std::move(options);
  impl->transport = std::move(*transport);
  return AsyncClient(std::move(impl));
}

const ServerUrl& AsyncClient::server() const noexcept { return impl_->server; }
const ClientOptions& AsyncClient::options() const noexcept { return impl_->options; }
int AsyncClient::connections_opened() const noexcept {
  return impl_->transport->connections_opened();
}

AsyncCacheView AsyncClient::cache(std::string_view cluster) const {
  return AsyncCacheView(impl_, pick(cluster, impl_->options));
}
AsyncDbView AsyncClient::db(std::string_view cluster) const {
  return AsyncDbView(impl_, pick(cluster, impl_->options));
}
AsyncQueueView AsyncClient::queue(std::string_view cluster) const {
  return AsyncQueueView(impl_, pick(cluster, impl_->options));
}
AsyncClusterView AsyncClient::cluster(std::string_view cluster) const {
  return AsyncClusterView(impl_, pick(cluster, impl_->options));
}

asio::awaitable<ClientResult<json>> AsyncClient::health() const {
  return run<json>(impl_, detail::ApiCall{"GET", "/health", {}}, detail::parse_object);
}

asio::awaitable<ClientResult<json>> AsyncClient::list_clusters() const {
  return run<json>(impl_, detail::ApiCall{"GET", "/api/v1/clusters", {}}, identity);
}

asio::awaitable<ClientResult<json>> AsyncClient::create_cluster(json body) const {
  ClientResult<detail::ApiCall> api = detail::ApiCall{"POST", "/api/v1/clusters", {}};
  try {
    api->body = body.dump();
  } catch (const json::exception&) {
    api = ClientError(ClientError::Kind::usage, "the request contains text that is not UTF-8");
  }
  return run<json>(impl_, std::move(api), detail::parse_object);
}

asio::awaitable<ClientResult<Response>> AsyncClient::request(std::string method, std::string path,
                                                             std::string body,
                                                             std::string content_type) const {
  auto impl = impl_;
  auto op =
      impl->request(std::move(method), std::move(path), std::move(body), std::move(content_type));
  co_return co_await std::move(op);
}

// ---- views -----------------------------------------------------------------------------

asio::awaitable<ClientResult<std::optional<std::string>>> AsyncCacheView::get(
    std::string key) const {
  return run<std::optional<std::string>>(impl_, detail::cache_get(cluster_, key),
                                         detail::parse_cache_get);
}

asio::awaitable<ClientResult<bool>> AsyncCacheView::set(std::string key, std::string value,
                                                        SetOptions options) const {
  return run<bool>(impl_, detail::cache_set(cluster_, key, value, options),
                   detail::parse_cache_set);
}

asio::awaitable<ClientResult<std::int64_t>> AsyncCacheView::del(std::string key) const {
  return del(std::vector<std::string>{std::move(key)});
}

asio::awaitable<ClientResult<std::int64_t>> AsyncCacheView::del(
    std::vector<std::string> keys) const {
  return run<std::int64_t>(impl_, detail::cache_del(cluster_, keys), detail::parse_cache_del);
}

asio::awaitable<ClientResult<std::int64_t>> AsyncCacheView::incr(std::string key,
                                                                 std::int64_t by) const {
  return run<std::int64_t>(impl_, detail::cache_incr(cluster_, key, by), detail::parse_cache_incr);
}

asio::awaitable<ClientResult<bool>> AsyncCacheView::exists(std::string key) const {
  return run<bool>(impl_, detail::cache_exists(cluster_, key), detail::parse_cache_exists);
}

asio::awaitable<ClientResult<std::optional<std::chrono::seconds>>> AsyncCacheView::ttl(
    std::string key) const {
  return run<std::optional<std::chrono::seconds>>(impl_, detail::cache_ttl(cluster_, key),
                                                  detail::parse_cache_ttl);
}

asio::awaitable<ClientResult<QueryResult>> AsyncDbView::query(std::string sql, json args) const {
  return run<QueryResult>(impl_, detail::db_query(cluster_, sql, args), detail::parse_db_query);
}

asio::awaitable<ClientResult<ExecResult>> AsyncDbView::execute(std::string sql, json args) const {
  return run<ExecResult>(impl_, detail::db_execute(cluster_, sql, args), detail::parse_db_execute);
}

asio::awaitable<ClientResult<PublishResult>> AsyncQueueView::publish(std::string topic,
                                                                     Message message) const {
  return run<PublishResult>(impl_, detail::queue_publish(cluster_, topic, message),
                            detail::parse_queue_publish);
}

asio::awaitable<ClientResult<ReadResult>> AsyncQueueView::read(std::string topic,
                                                               ReadOptions options) const {
  return run<ReadResult>(impl_, detail::queue_read(cluster_, topic, options),
                         detail::parse_queue_read);
}

asio::awaitable<ClientResult<std::vector<std::string>>> AsyncQueueView::topics() const {
  return run<std::vector<std::string>>(impl_, detail::queue_topics(cluster_),
                                       detail::parse_queue_topics);
}

asio::awaitable<ClientResult<json>> AsyncClusterView::info() const {
  return run<json>(impl_, detail::cluster_get(cluster_), detail::parse_object);
}

asio::awaitable<ClientResult<json>> AsyncClusterView::health() const {
  return run<json>(impl_, detail::cluster_get(cluster_, "/health"), detail::parse_object);
}

asio::awaitable<ClientResult<json>> AsyncClusterView::metrics() const {
  return run<json>(impl_, detail::cluster_get(cluster_, "/metrics"), detail::parse_object);
}

asio::awaitable<ClientResult<json>> AsyncClusterView::remove() const {
  return run<json>(impl_, detail::cluster_delete(cluster_), detail::parse_object);
}

}  // namespace throome::client
