#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "throome/client/client_error.hpp"

namespace throome::client {

/// A parsed daemon address: http[s]://host[:port][/base-path].
struct ServerUrl {
  std::string host;  // without IPv6 brackets, e.g. "::1"
  std::uint16_t port = 80;
  std::string base_path;  // "" or "/prefix" (no trailing slash), prepended to every path
  bool tls = false;       // https://

  /// @return the value for the Host header: host, bracketed when IPv6, ":port" unless it is
  ///         the scheme's default (80, or 443 with TLS).
  std::string host_header() const;
  /// @return the canonical form, e.g. "http://127.0.0.1:9000/gw".
  std::string to_string() const;
  bool operator==(const ServerUrl&) const = default;
};

/// Parses a server URL. The scheme defaults to http:// when absent; the port to 80 (443 for
/// https://).
/// @return the URL, or a ClientError::Kind::usage error naming the problem (unsupported
///         scheme, bad port, empty host, query or fragment present, ...).
ClientResult<ServerUrl> parse_server_url(std::string_view url);

/// Percent-encodes one path segment (everything outside RFC 3986 unreserved characters), so
/// that an id like "a/b" cannot escape its segment.
std::string encode_path_segment(std::string_view segment);

}  // namespace throome::client
