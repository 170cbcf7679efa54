#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace throome::kafka {

/// "Any partition": the partitioner picks one (by key when there is a key).
inline constexpr std::int32_t kAnyPartition = -1;

/// A record header; Kafka allows a null value.
struct Header {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

/// One message to publish. A null value is a tombstone (compacted topics).
struct Message {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<Header> headers;
  std::int32_t partition = kAnyPartition;
};

/// Where a published message landed.
struct Delivery {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;  // -1 when the broker did not say
};

/// One consumed record.
struct Record {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<Header> headers;
  std::int64_t timestamp_ms = -1;
  std::string timestamp_type;  // "create_time", "log_append_time" or "" (not available)
};

struct PartitionInfo {
  std::int32_t id = 0;
  std::int32_t leader = -1;
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> isrs;
  std::int64_t low = -1;   // first offset (low watermark); -1 when not asked or not known
  std::int64_t high = -1;  // next offset to be written (high watermark)
  std::string error;       // per-partition metadata error ("" when none)
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // sorted by id
};

/// A topic to create. -1: the broker's default.
struct TopicSpec {
  std::string name;
  int partitions = -1;
  int replication_factor = -1;
  std::vector<std::pair<std::string, std::string>> config;  // topic configs (retention.ms, ...)
};

/// A consumer instance in a group (REST-Proxy style).
struct ConsumerSpec {
  std::string group;
  std::vector<std::string> topics;
  std::string auto_offset_reset = "latest";  // earliest | latest | error
  bool auto_commit = true;  // offsets of returned records are committed in the background
};

/// A committed (or to be committed) position: the next offset to read.
struct Offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  bool operator==(const Offset&) const = default;
};

/// The next offset to read in one partition of a topic.
struct Position {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  bool operator==(const Position&) const = default;
};

enum class StartFrom { earliest, latest };

/// How much one fetch may return and how long it may wait for the first record.
struct FetchOptions {
  std::size_t max_records = 100;
  std::size_t max_bytes = 4u << 20;  // keys + values + headers
  std::chrono::milliseconds timeout{1'000};
};

/// A stateless read: from `positions` (partitions missing there, e.g. added since, start at
/// their earliest offset), or from `from` when `positions` is empty.
struct ReadRequest {
  std::string topic;
  std::vector<Position> positions;
  StartFrom from = StartFrom::earliest;
  FetchOptions fetch;
};

struct ReadResult {
  std::vector<Record> records;
  std::vector<Position> next;  // the position after the returned records, every partition
};

/// A stream: a group consumer when `group` is set, else a reader of every partition of
/// `topic` from `positions` / `from`.
struct StreamSpec {
  std::string topic;
  std::string group;
  StartFrom from = StartFrom::latest;
  std::vector<Position> positions;
  bool auto_commit = false;  // group streams: commit what fetch returned, in the background
};

}  // namespace throome::kafka
