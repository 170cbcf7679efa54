#include "throome/http/wire_request.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>

#include "http/beast_request.hpp"

namespace throome::http {

Result<Request> parse_wire_request(std::string_view bytes, const WireLimits& limits) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
  parser.body_limit(limits.max_body_bytes);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < bytes.size()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) return detail::read_error_to_error(ec);
    if (parser.is_header_done() && !detail::supported_version(parser.get().version())) {
      return detail::read_error_to_error(bhttp::error::bad_version);
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    // The peer closed mid-request: what the session sees as end of stream. (put_eof wants
    // at least one byte consumed.)
    if (!parser.got_some()) return detail::read_error_to_error(bhttp::error::end_of_stream);
    parser.put_eof(ec);
    if (ec) return detail::read_error_to_error(ec);
    if (!parser.is_done()) {
      return detail::read_error_to_error(bhttp::error::partial_message);
    }
  }
  return detail::to_request(parser.release(), "in-memory");
}

}  // namespace throome::http
