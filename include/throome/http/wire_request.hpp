#pragma once

#include <cstddef>
#include <string_view>

#include "throome/common/error.hpp"
#include "throome/http/request.hpp"

namespace throome::http {

/// Limits the HTTP/1.x parser applies (the server's max_header_bytes / max_body_bytes).
struct WireLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
};

/// Parses the first HTTP/1.x request in `bytes` with the same parser, limits and conversion
/// the server's sessions use, without a socket (fuzzing, tests). Bytes after the request are
/// ignored, as a session would keep them for the next request.
/// @return the request as the session hands it to the Dispatcher, or the Error the session
///         answers before closing (Errc::bad_request for malformed or truncated input,
///         Errc::header_too_large, Errc::payload_too_large).
Result<Request> parse_wire_request(std::string_view bytes, const WireLimits& limits = {});

}  // namespace throome::http
