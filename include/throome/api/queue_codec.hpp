#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/adapters/kafka/types.hpp"
#include "throome/common/error.hpp"

namespace throome::api::queue {

/// How keys, values and header values are written in responses.
enum class Encoding {
  utf8,    // a JSON string; bytes that are not UTF-8 as {"base64": "..."}
  base64,  // always {"base64": "..."}
  bytes,   // an array of byte values (0..255)
};

/// "utf8" (default, also "utf-8"), "base64" or "bytes". @return Errc::bad_request otherwise.
Result<Encoding> parse_encoding(const std::optional<std::string>& name);

/// Bytes from a request: a JSON string (its UTF-8 text), an array of byte values 0..255, or
/// {"base64": "..."}. JSON null is nullopt when `allow_null`. Errors name `field`.
Result<std::optional<std::string>> bytes_from_json(const nlohmann::json& value,
                                                   std::string_view field, bool allow_null);

/// Record headers from a request: {"name": value, ...} or [{"name": ..., "value": ...}, ...]
/// (values as in bytes_from_json, null allowed; the list form allows repeated names).
Result<std::vector<kafka::Header>> headers_from_json(const nlohmann::json& value,
                                                     std::string_view field);

/// Bytes for a response (null when absent).
nlohmann::json bytes_to_json(const std::optional<std::string>& bytes, Encoding encoding);

/// {"topic", "partition", "offset", "key", "value", "headers": [{"name", "value"}],
///  "timestamp", "timestamp_type"}.
nlohmann::json record_to_json(const kafka::Record& record, Encoding encoding);

/// A valid Kafka topic name: 1..249 characters of [A-Za-z0-9._-], not "." or "..".
/// @return Errc::bad_request naming `field`.
Result<void> check_topic_name(std::string_view topic, std::string_view field = "topic");

}  // namespace throome::api::queue
