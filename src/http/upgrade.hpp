#pragma once

// Streaming and upgraded responses (Server-Sent Events over chunked transfer encoding,
// WebSocket): the session hands its connection here when a handler's response carries a
// `stream` or `websocket` body. Private to src/http; keeps Beast's WebSocket code out of
// server.cpp.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <optional>

#include "throome/http/response.hpp"

namespace throome::http::detail {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::empty_body>;

/// Serves `resp` on `stream`; the connection is finished afterwards. With `resp.websocket`
/// and an upgrade request: the WebSocket handshake (carrying `resp`'s headers) and the
/// session. Otherwise the head of `resp` and the chunked body written by `resp.stream`
/// (HTTP/1.0: the body until the connection closes). Each write is bounded by
/// `write_timeout`; the body sees the connection as closed once `stopping` is set.
/// `Stream` is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream> (both instantiated in
/// upgrade.cpp).
template <class Stream>
boost::asio::awaitable<void> serve_stream(Stream& stream, std::optional<UpgradeRequest> upgrade,
                                          Response& resp, unsigned version,
                                          std::chrono::milliseconds write_timeout,
                                          const std::atomic<bool>& stopping);

}  // namespace throome::http::detail
