// Bytes off the wire -> the server's HTTP/1.x parser and limits -> routing -> the handler,
// exactly as a session runs them, without a socket. Finds crashes, UB and handlers that
// throw (a 500 "internal error" is a bug: bad input must get a 4xx).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_gateway.hpp"
#include "throome/http/wire_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static throome::fuzz::Gateway gateway;
  static const throome::http::WireLimits limits{8 * 1024, 256 * 1024};
  auto req = throome::http::parse_wire_request(
      std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!req) return 0;  // the session answers 400/413/431 and closes
  auto resp = gateway.handle(std::move(*req));
  if (throome::fuzz::Gateway::escaped_exception(resp) || resp.status < 100 || resp.status > 599) {
    __builtin_trap();
  }
  return 0;
}
