#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/adapters/kafka/batch.hpp"
#include "throome/common/error.hpp"
#include "throome/http/request.hpp"

namespace throome::api::queue {

/// A parsed `POST queue/publish` body.
struct PublishBody {
  std::string topic;
  std::string service;  // "" = the cluster's first kafka service
  bool batch = false;   // `messages: [...]` (else one message)
  /// The messages (one when !batch). From the fast path, the batch owns the request body
  /// and its values and keys without escapes are views of it.
  kafka::Batch messages;
};

/// Most messages a batch may carry.
inline constexpr std::size_t kMaxPublishBatch = 10'000;

/// Parses a publish body: `{topic, message, key?, headers?, partition?, service?}` (`value`
/// is an alias of `message`) or `{topic, messages: [{value, key?, headers?, partition?}],
/// service?}`. A fast path reads the common shapes straight into messages without building a
/// JSON document; anything it does not recognise, and every invalid body, goes through the
/// general JSON parser, which produces the error (`field "..." ...`, `invalid_json`, ...).
/// When the fast path reads the body, `req.body` moves into the result (it is left empty).
Result<PublishBody> parse_publish(http::Request& req);

/// The same on a body text; `fast` false forces the general parser (tests compare both).
Result<PublishBody> parse_publish_body(std::string_view body, bool fast = true);

/// The fast path alone: the parsed body, or nullopt when it does not handle this input.
std::optional<PublishBody> parse_publish_fast(std::string_view body);

}  // namespace throome::api::queue
