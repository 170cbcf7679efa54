#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/adapters/kafka/types.hpp"
#include "throome/common/error.hpp"

namespace throome::kafka {

/// Messages to one topic that own their bytes in two buffers: a body (the request text they
/// were parsed from, moved in) that values and keys without escapes are views of, and one
/// arena for the bytes that needed decoding. Adding a message without headers allocates
/// nothing beyond the message table's growth; the producer hands these bytes to librdkafka
/// without copying while the batch lives in the request.
class Batch {
 public:
  /// A range of a batch's bytes, or none (a null value; no key). Offsets, not pointers: they
  /// stay valid when the batch moves or its arena grows.
  struct Bytes {
    enum class In : std::uint8_t { none, body, arena };
    std::uint32_t offset;
    std::uint32_t size;
    In in;
  };
  static constexpr Bytes kNone{0, 0, Bytes::In::none};

  /// The most bytes the body, and the arena, may hold.
  static constexpr std::size_t kMaxBytes = UINT32_MAX;

  Batch() = default;
  explicit Batch(std::string topic, std::string body = {});

  /// A batch of one message; its value becomes the body (moved, not copied).
  static Batch of(Message message);

  const std::string& topic() const { return topic_; }
  void set_topic(std::string topic) { topic_ = std::move(topic); }

  std::string_view body() const { return body_; }
  /// Replaces the body (moved in; at most kMaxBytes). Ranges made before refer to the new one.
  void set_body(std::string body) { body_ = std::move(body); }
  /// Moves the body out (the batch keeps an empty one).
  std::string take_body() { return std::move(body_); }

  /// The arena: append decoded bytes, then take them with arena_since().
  std::string& arena() { return arena_; }
  /// `size` bytes of the body at `offset`. Throws std::length_error beyond kMaxBytes (a bug).
  Bytes in_body(std::size_t offset, std::size_t size) const;
  /// The arena's bytes from `start` to its end.
  Bytes arena_since(std::size_t start) const;
  /// Copies `bytes` into the arena (none for nullopt).
  Bytes copy(const std::optional<std::string>& bytes);

  void reserve(std::size_t messages) { entries_.reserve(messages); }
  /// Appends a message. Headers are the one part that allocates per message.
  void add(Bytes value, Bytes key = kNone, std::int32_t partition = kAnyPartition,
           std::vector<Header> headers = {});

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// Message i's value (nullopt: null, a tombstone), key (nullopt: none) and partition.
  std::optional<std::string_view> value(std::size_t i) const { return bytes(entries_[i].value); }
  std::optional<std::string_view> key(std::size_t i) const { return bytes(entries_[i].key); }
  std::int32_t partition(std::size_t i) const { return entries_[i].partition; }
  /// Message i's headers (usually none).
  const std::vector<Header>& headers(std::size_t i) const;
  bool has_headers() const { return !headers_.empty(); }
  /// The bytes a range refers to (nullopt for none).
  std::optional<std::string_view> bytes(Bytes b) const;

  /// Message i as an owning Message (a copy of its bytes).
  Message message(std::size_t i) const;

 private:
  struct Entry {
    Bytes value;
    Bytes key;
    std::int32_t partition;
  };
  std::string topic_;
  std::string body_;
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<std::vector<Header>> headers_;  // empty, or one list per message
};

/// Where each message of a batch landed, in order, or why it failed. Each distinct failure is
/// kept once: a batch that timed out carries one error, not one per message.
struct BatchResult {
  /// One message: its partition, offset and timestamp, or the index of its error.
  struct Outcome {
    std::int64_t offset = -1;
    std::int64_t timestamp_ms = -1;  // -1 when the broker did not say
    std::int32_t partition = -1;
    std::int32_t error = -1;  // index into `errors`; -1 when delivered
    bool ok() const { return error < 0; }
  };
  std::vector<Outcome> outcomes;
  std::vector<Error> errors;

  /// `n` messages that all failed with `error`.
  static BatchResult failed(std::size_t n, Error error);
  /// Message i's error (when !outcomes[i].ok()).
  const Error& error(std::size_t i) const {
    return errors[static_cast<std::size_t>(outcomes[i].error)];
  }
  /// How many messages failed.
  std::size_t failures() const;
};

}  // namespace throome::kafka
