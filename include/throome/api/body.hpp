#pragma once

#include <nlohmann/json.hpp>

#include "throome/common/error.hpp"
#include "throome/config/cluster_codec.hpp"
#include "throome/http/request.hpp"

namespace throome::api {

/// Deepest JSON nesting a request body may have.
inline constexpr int kMaxJsonDepth = 64;

/// Parses the request body as JSON.
/// @return the document, or Errc::bad_request (empty body), Errc::invalid_json (syntax error
///         with its byte position, invalid UTF-8, nesting deeper than kMaxJsonDepth) or
///         Errc::unsupported_media_type (a Content-Type that is not JSON).
Result<nlohmann::json> parse_json_body(const http::Request& req);

/// Parses a cluster from a request body: YAML (Content-Type application/yaml, text/yaml,
/// application/x-yaml) or JSON in either shape `{"name", "config": {...}}` or
/// `{"name", "services": {...}, ...}`.
/// @return the validated cluster with warnings, or the parse/validation error.
Result<config::ParsedCluster> parse_cluster_body(const http::Request& req);

}  // namespace throome::api
