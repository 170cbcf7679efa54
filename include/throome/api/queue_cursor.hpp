#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "throome/adapters/kafka/types.hpp"
#include "throome/common/error.hpp"

namespace throome::api::queue {

/// The stateless consumer's cursor: the next offset of every partition of one topic, as an
/// opaque URL-safe token. It carries an HMAC-SHA256 (truncated to 128 bits) over the topic and
/// the positions under `key`, so a cursor that was altered, or made for another topic or
/// another service, is rejected. No server-side state: any gateway instance with the same key
/// accepts it.
std::string encode_cursor(std::string_view key, std::string_view topic,
                          const std::vector<kafka::Position>& positions);

/// @return the positions, or Errc::bad_request ("invalid cursor") when `cursor` is malformed,
///         was tampered with, or belongs to another topic or key.
Result<std::vector<kafka::Position>> decode_cursor(std::string_view key, std::string_view topic,
                                                   std::string_view cursor);

}  // namespace throome::api::queue
