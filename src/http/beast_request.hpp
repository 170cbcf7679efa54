// Private to src/http: the conversions between Beast's parsed request and our Request, shared
// by the socket session (server.cpp) and the in-memory parser (wire_request.cpp) so both
// paths treat a request byte for byte the same way.
#pragma once

#include <boost/beast/http.hpp>
#include <string>

#include "throome/common/error.hpp"
#include "throome/http/request.hpp"

namespace throome::http::detail {

// Converts a parsed Beast request into our transport-independent Request.
inline Request to_request(boost::beast::http::request<boost::beast::http::string_body>&& in,
                          const std::string& remote) {
  Request req;
  req.method = std::string(in.method_string());
  req.target = std::string(in.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& field : in) {
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(in.body());
  req.body_bytes = req.body.size();
  req.version = in.version();
  req.remote_address = remote;
  return req;
}

// Beast's parser takes any "HTTP/d.d"; we answer 1.0 and 1.1 only (anything else would get
// a 1.1 response and keep-alive semantics it never asked for).
inline bool supported_version(unsigned version) { return version == 10 || version == 11; }

// A request could not be read (too large, malformed): the session answers and closes.
inline Error read_error_to_error(const boost::beast::error_code& ec) {
  namespace bhttp = boost::beast::http;
  if (ec == bhttp::error::header_limit) {
    return Error(Errc::header_too_large, "request header fields too large");
  }
  if (ec == bhttp::error::body_limit) {
    return Error(Errc::payload_too_large, "request body too large");
  }
  return Error(Errc::bad_request, "malformed HTTP request", ec.message());
}

}  // namespace throome::http::detail
