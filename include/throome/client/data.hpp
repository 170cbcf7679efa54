#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace throome::client {

// Value types of the data views (cache, db, queue). Every std::string holding a value, key
// or message is raw bytes: the SDK base64-encodes on the wire as needed, so any byte
// sequence round-trips.

/// How CacheView::set writes.
struct SetOptions {
  /// Expiry; zero means none.
  std::chrono::seconds ttl{0};
  /// Only when the key does not exist yet (SET NX).
  bool if_absent = false;
  /// Only when the key exists (SET XX).
  bool if_present = false;
};

/// Rows of a SELECT (POST .../db/query).
struct QueryResult {
  /// [{"name","type"}...] in select order.
  nlohmann::json columns = nlohmann::json::array();
  /// One JSON object per row ({"column": value}), values typed as PostgreSQL returns them.
  nlohmann::json rows = nlohmann::json::array();
  std::size_t row_count = 0;
  /// True when the daemon's max_rows cut the result short.
  bool truncated = false;
};

/// Outcome of a statement (POST .../db/execute).
struct ExecResult {
  std::string command;  // e.g. "INSERT", "UPDATE"
  std::int64_t rows_affected = 0;
};

/// A Kafka record header.
struct Header {
  std::string name;
  std::optional<std::string> value;  // bytes; nullopt for a null header value
  bool operator==(const Header&) const = default;
};

/// A message to publish.
struct Message {
  std::string value;               // bytes
  std::optional<std::string> key;  // bytes; nullopt: no key (the partitioner spreads)
  std::optional<std::int32_t> partition;
  std::vector<Header> headers;
};

/// Where a published message landed.
struct PublishResult {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::int64_t> timestamp_ms;
};

/// One consumed record.
struct Record {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;    // bytes
  std::optional<std::string> value;  // bytes; nullopt for a tombstone
  std::vector<Header> headers;
  std::optional<std::int64_t> timestamp_ms;
};

/// Where a stateless read starts when no cursor is given.
enum class StartFrom { earliest, latest };

/// A stateless read of a topic (GET .../queue/topics/{topic}/records).
struct ReadOptions {
  /// Continue after a previous read (its next_cursor); excludes `from`.
  std::string cursor;
  /// Start of the read when there is no cursor.
  StartFrom from = StartFrom::earliest;
  /// At most this many records (1..10000).
  std::size_t max_records = 100;
  /// How long the daemon waits for records when there are none yet (0..30s).
  std::chrono::milliseconds wait{1000};
};

/// Records of one read and the cursor of the next.
struct ReadResult {
  std::vector<Record> records;
  std::string next_cursor;
};

}  // namespace throome::client
