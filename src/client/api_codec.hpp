#pragma once

// Sans-io halves of every data-view call: building the request (method, path, JSON body)
// and reading the daemon's answer into typed results. Shared by the blocking and the async
// flavours, and unit-testable without a socket.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/client/client_error.hpp"
#include "throome/client/data.hpp"

namespace throome::client::detail {

/// One API call: `path` below the base path; `body` is JSON text (or empty).
struct ApiCall {
  std::string method;
  std::string path;
  std::string body;
};

/// "/api/v1/clusters/{cluster}" with the id encoded; a usage error for an empty id.
ClientResult<std::string> cluster_path(std::string_view cluster);

// ---- cache ----
ClientResult<ApiCall> cache_get(std::string_view cluster, std::string_view key);
ClientResult<std::optional<std::string>> parse_cache_get(const nlohmann::json& response);
ClientResult<ApiCall> cache_set(std::string_view cluster, std::string_view key,
                                std::string_view value, const SetOptions& options);
ClientResult<bool> parse_cache_set(const nlohmann::json& response);
ClientResult<ApiCall> cache_del(std::string_view cluster, const std::vector<std::string>& keys);
ClientResult<std::int64_t> parse_cache_del(const nlohmann::json& response);
ClientResult<ApiCall> cache_incr(std::string_view cluster, std::string_view key, std::int64_t by);
ClientResult<std::int64_t> parse_cache_incr(const nlohmann::json& response);
ClientResult<ApiCall> cache_exists(std::string_view cluster, std::string_view key);
ClientResult<bool> parse_cache_exists(const nlohmann::json& response);
ClientResult<ApiCall> cache_ttl(std::string_view cluster, std::string_view key);
/// nullopt: no such key; -1 s: no expiry.
ClientResult<std::optional<std::chrono::seconds>> parse_cache_ttl(const nlohmann::json& response);

// ---- db ----
ClientResult<ApiCall> db_query(std::string_view cluster, std::string_view sql,
                               const nlohmann::json& args);
ClientResult<QueryResult> parse_db_query(const nlohmann::json& response);
ClientResult<ApiCall> db_execute(std::string_view cluster, std::string_view sql,
                                 const nlohmann::json& args);
ClientResult<ExecResult> parse_db_execute(const nlohmann::json& response);

// ---- queue ----
ClientResult<ApiCall> queue_publish(std::string_view cluster, std::string_view topic,
                                    const Message& message);
ClientResult<PublishResult> parse_queue_publish(const nlohmann::json& response);
ClientResult<ApiCall> queue_read(std::string_view cluster, std::string_view topic,
                                 const ReadOptions& options);
ClientResult<ReadResult> parse_queue_read(const nlohmann::json& response);
ClientResult<ApiCall> queue_topics(std::string_view cluster);
ClientResult<std::vector<std::string>> parse_queue_topics(const nlohmann::json& response);

// ---- cluster ----
ClientResult<ApiCall> cluster_get(std::string_view cluster, std::string_view suffix = {});
ClientResult<ApiCall> cluster_delete(std::string_view cluster);
/// Passes an object through; a protocol error for anything else.
ClientResult<nlohmann::json> parse_object(const nlohmann::json& response);

/// Bytes as the daemon accepts them: a JSON string when valid UTF-8, else {"base64": ...}.
nlohmann::json bytes_to_wire(std::string_view bytes);
/// A value the daemon sent: a string, {"base64": ...} or an array of byte values.
std::optional<std::string> bytes_from_wire(const nlohmann::json& value);
/// True when `s` is valid UTF-8 (JSON strings must be).
bool is_utf8(std::string_view s) noexcept;

}  // namespace throome::client::detail
