#include "throome/adapters/kafka/batch.hpp"

#include <stdexcept>

namespace throome::kafka {
namespace {

Batch::Bytes range(Batch::Bytes::In in, std::size_t offset, std::size_t size) {
  if (offset > Batch::kMaxBytes || size > Batch::kMaxBytes - offset) {
    throw std::length_error("kafka::Batch: more than 4 GiB of bytes");
  }
  return {static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size), in};
}

}  // namespace

Batch::Batch(std::string topic, std::string body)
    : topic_(std::move(topic)), body_(std::move(body)) {}

Batch Batch::of(Message message) {
  Batch b(std::move(message.topic));
  Bytes value = kNone;
  if (message.value) {
    b.body_ = std::move(*message.value);
    value = b.in_body(0, b.body_.size());
  }
  const Bytes key = b.copy(message.key);
  b.add(value, key, message.partition, std::move(message.headers));
  return b;
}

Batch::Bytes Batch::in_body(std::size_t offset, std::size_t size) const {
  return range(Bytes::In::body, offset, size);
}

Batch::Bytes Batch::arena_since(std::size_t start) const {
  return range(Bytes::In::arena, start, arena_.size() - start);
}

Batch::Bytes Batch::copy(const std::optional<std::string>& bytes) {
  if (!bytes) return kNone;
  const std::size_t start = arena_.size();
  arena_ += *bytes;
  return arena_since(start);
}

void Batch::add(Bytes value, Bytes key, std::int32_t partition, std::vector<Header> headers) {
  entries_.push_back(Entry{value, key, partition});
  if (!headers.empty() || !headers_.empty()) {
    headers_.resize(entries_.size() - 1);  // from the first message with headers on: all
    headers_.push_back(std::move(headers));
  }
}

const std::vector<Header>& Batch::headers(std::size_t i) const {
  static const std::vector<Header> kNoHeaders;
  return headers_.empty() ? kNoHeaders : headers_[i];
}

std::optional<std::string_view> Batch::bytes(Bytes b) const {
  switch (b.in) {
    case Bytes::In::none:
      return std::nullopt;
    case Bytes::In::body:
      return std::string_view(body_).substr(b.offset, b.size);
    case Bytes::In::arena:
      return std::string_view(arena_).substr(b.offset, b.size);
  }
  return std::nullopt;
}

Message Batch::message(std::size_t i) const {
  Message m;
  m.topic = topic_;
  if (auto v = value(i)) m.value = std::string(*v);
  if (auto k = key(i)) m.key = std::string(*k);
  m.headers = headers(i);
  m.partition = partition(i);
  return m;
}

BatchResult BatchResult::failed(std::size_t n, Error error) {
  BatchResult r;
  r.outcomes.resize(n, Outcome{-1, -1, -1, 0});
  r.errors.push_back(std::move(error));
  return r;
}

std::size_t BatchResult::failures() const {
  std::size_t n = 0;
  for (const auto& o : outcomes) n += o.ok() ? 0 : 1;
  return n;
}

}  // namespace throome::kafka
