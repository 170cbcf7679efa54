#include "throome/client/views.hpp"

#include <utility>

#include "client/api_codec.hpp"
#include "throome/client/client.hpp"

namespace throome::client {
namespace {

/// The answer read by `parse`, or the call's error.
template <class Parse>
auto then(const ClientResult<nlohmann::json>& r, Parse parse)
    -> decltype(parse(std::declval<const nlohmann::json&>())) {
  if (!r) return r.error();
  return parse(*r);
}

}  // namespace

// ---- cache -----------------------------------------------------------------------------

ClientResult<std::optional<std::string>> CacheView::get(std::string_view key) {
  return then(client_->call(detail::cache_get(cluster_, key)), detail::parse_cache_get);
}

ClientResult<bool> CacheView::set(std::string_view key, std::string_view value,
                                  const SetOptions& options) {
  return then(client_->call(detail::cache_set(cluster_, key, value, options)),
              detail::parse_cache_set);
}

ClientResult<std::int64_t> CacheView::del(std::string_view key) {
  return del(std::vector<std::string>{std::string(key)});
}

ClientResult<std::int64_t> CacheView::del(const std::vector<std::string>& keys) {
  return then(client_->call(detail::cache_del(cluster_, keys)), detail::parse_cache_del);
}

ClientResult<std::int64_t> CacheView::incr(std::string_view key, std::int64_t by) {
  return then(client_->call(detail::cache_incr(cluster_, key, by)), detail::parse_cache_incr);
}

ClientResult<bool> CacheView::exists(std::string_view key) {
  return then(client_->call(detail::cache_exists(cluster_, key)), detail::parse_cache_exists);
}

ClientResult<std::optional<std::chrono::seconds>> CacheView::ttl(std::string_view key) {
  return then(client_->call(detail::cache_ttl(cluster_, key)), detail::parse_cache_ttl);
}

// ---- db --------------------------------------------------------------------------------

ClientResult<QueryResult> DbView::query(std::string_view sql, const nlohmann::json& args) {
  return then(client_->call(detail::db_query(cluster_, sql, args)), detail::parse_db_query);
}

ClientResult<ExecResult> DbView::execute(std::string_view sql, const nlohmann::json& args) {
  return then(client_->call(detail::db_execute(cluster_, sql, args)), detail::parse_db_execute);
}

// ---- queue -----------------------------------------------------------------------------

ClientResult<PublishResult> QueueView::publish(std::string_view topic, const Message& message) {
  return then(client_->call(detail::queue_publish(cluster_, topic, message)),
              detail::parse_queue_publish);
}

ClientResult<PublishResult> QueueView::publish(std::string_view topic, std::string_view value) {
  Message message;
  message.value = std::string(value);
  return publish(topic, message);
}

ClientResult<ReadResult> QueueView::read(std::string_view topic, const ReadOptions& options) {
  return then(client_->call(detail::queue_read(cluster_, topic, options)),
              detail::parse_queue_read);
}

ClientResult<std::vector<std::string>> QueueView::topics() {
  return then(client_->call(detail::queue_topics(cluster_)), detail::parse_queue_topics);
}

// ---- cluster ---------------------------------------------------------------------------

ClientResult<nlohmann::json> ClusterView::info() {
  return then(client_->call(detail::cluster_get(cluster_)), detail::parse_object);
}

ClientResult<nlohmann::json> ClusterView::health() {
  return then(client_->call(detail::cluster_get(cluster_, "/health")), detail::parse_object);
}

ClientResult<nlohmann::json> ClusterView::metrics() {
  return then(client_->call(detail::cluster_get(cluster_, "/metrics")), detail::parse_object);
}

ClientResult<nlohmann::json> ClusterView::remove() {
  return then(client_->call(detail::cluster_delete(cluster_)), detail::parse_object);
}

}  // namespace throome::client
