#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/client/client_error.hpp"
#include "throome/client/data.hpp"

namespace throome::client {

class Client;

/// The cache API of one cluster (POST /api/v1/clusters/{id}/cache/...), blocking. A view is
/// a cheap handle: it borrows its Client, which must outlive it. Values are bytes (sent and
/// read as base64); keys are UTF-8 text.
class CacheView {
 public:
  /// @return the value, or nullopt when the key does not exist.
  ClientResult<std::optional<std::string>> get(std::string_view key);
  /// @return true when written; false when if_absent/if_present prevented it.
  ClientResult<bool> set(std::string_view key, std::string_view value,
                         const SetOptions& options = {});
  /// @return how many of the keys existed (and are now deleted).
  ClientResult<std::int64_t> del(std::string_view key);
  ClientResult<std::int64_t> del(const std::vector<std::string>& keys);
  /// @return the value after adding `by`; a 400 http error when the value is not an integer.
  ClientResult<std::int64_t> incr(std::string_view key, std::int64_t by = 1);
  /// @return whether the key exists.
  ClientResult<bool> exists(std::string_view key);
  /// @return the remaining time to live, -1s when the key never expires, nullopt when the
  ///         key does not exist.
  ClientResult<std::optional<std::chrono::seconds>> ttl(std::string_view key);

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class Client;
  CacheView(Client& client, std::string cluster) : client_(&client), cluster_(std::move(cluster)) {}
  Client* client_;
  std::string cluster_;
};

/// The database API of one cluster (POST /api/v1/clusters/{id}/db/...), blocking.
class DbView {
 public:
  /// Runs a read query with $1.. placeholders bound to `args` (a JSON array, or null).
  /// @return columns and rows; a 400 http error carries PostgreSQL's message.
  ClientResult<QueryResult> query(std::string_view sql,
                                  const nlohmann::json& args = nlohmann::json::array());
  /// Runs a statement (INSERT, UPDATE, DDL, ...). @return the command and rows affected.
  ClientResult<ExecResult> execute(std::string_view sql,
                                   const nlohmann::json& args = nlohmann::json::array());

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class Client;
  DbView(Client& client, std::string cluster) : client_(&client), cluster_(std::move(cluster)) {}
  Client* client_;
  std::string cluster_;
};

/// The queue API of one cluster (/api/v1/clusters/{id}/queue/...), blocking.
class QueueView {
 public:
  /// @return where the message landed (partition, offset).
  ClientResult<PublishResult> publish(std::string_view topic, const Message& message);
  /// Publishes `value` without a key.
  ClientResult<PublishResult> publish(std::string_view topic, std::string_view value);
  /// A stateless read: records from `options.from` or after `options.cursor`, waiting up to
  /// options.wait for the first. Follow a topic by passing each next_cursor back.
  ClientResult<ReadResult> read(std::string_view topic, const ReadOptions& options = {});
  /// @return the topic names.
  ClientResult<std::vector<std::string>> topics();

  const std::string& cluster() const noexcept { return cluster_; }

 private:
  friend class Client;
  QueueView(Client& client, std::string cluster) : client_(&client), cluster_(std::move(cluster)) {}
  Client* client_;
  std::string cluster_;
};

/// One cluster's own resources (/api/v1/clusters/{id}...), blocking.
class ClusterView {
 public:
  /// GET /api/v1/clusters/{id}. @return the cluster (secrets redacted); 404 when unknown.
  ClientResult<nlohmann::json> info();
  /// GET .../health. @return {"cluster_id", "services": {name: {healthy, ...}}}.
  ClientResult<nlohmann::json> health();
  /// GET .../metrics. @return {requests, errors, avg_response_ms, ...}.
  ClientResult<nlohmann::json> metrics();
  /// DELETE /api/v1/clusters/{id}.
  ClientResult<nlohmann::json> remove();

  const std::string& id() const noexcept { return cluster_; }

 private:
  friend class Client;
  ClusterView(Client& client, std::string cluster)
      : client_(&client), cluster_(std::move(cluster)) {}
  Client* client_;
  std::string cluster_;
};

}  // namespace throome::client
