// Beast's WebSocket code lives only in this translation unit.
#include "http/upgrade.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <memory>

namespace throome::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxWebSocketMessage = 1 << 20;

bool safe(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

// Chunked transfer encoding (HTTP/1.1); raw bytes until close for HTTP/1.0.
template <class Stream>
class ChunkedWriter final : public StreamWriter {
 public:
  ChunkedWriter(Stream& s, bool chunked, std::chrono::milliseconds timeout,
                const std::atomic<bool>& stopping)
      : s_(s), chunked_(chunked), timeout_(timeout), stopping_(stopping) {}

  // A client of a stream sends nothing more: a read that completes means it closed (or broke
  // the protocol). Watching for it ends the stream at once instead of at the next write.
  void watch_peer() {
    auto watch = watch_;
    s_.async_read_some(asio::buffer(watch->byte),
                       [watch](const beast::error_code&, std::size_t) { watch->gone = true; });
  }

  bool open() const override { return !failed_ && !watch_->gone && !stopping_.load(); }

  asio::awaitable<bool> write(std::string data) override {
    if (!open()) co_return false;
    if (data.empty()) co_return true;  // an empty chunk would end the body
    std::string frame;
    if (chunked_) {
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      frame.reserve(data.size() + 32);
      frame += size;
      frame += data;
      frame += "\r\n";
    } else {
      frame = std::move(data);
    }
    beast::get_lowest_layer(s_).expires_after(timeout_);
    auto [ec, n] = co_await asio::async_write(s_, asio::buffer(frame), use_nothrow);
    beast::get_lowest_layer(s_).expires_never();
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }

  asio::awaitable<void> finish() {
    if (failed_ || !chunked_) co_return;
    static const std::string kLast = "0\r\n\r\n";
    beast::get_lowest_layer(s_).expires_after(timeout_);
    auto [ec, n] = co_await asio::async_write(s_, asio::buffer(kLast), use_nothrow);
    (void)ec;
  }

 private:
  struct Watch {
    std::array<char, 1> byte{};
    bool gone = false;
  };
  Stream& s_;
  bool chunked_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>& stopping_;
  bool failed_ = false;
  std::shared_ptr<Watch> watch_ = std::make_shared<Watch>();
};

template <class Stream>
class BeastWebSocket final : public WebSocket {
 public:
  BeastWebSocket(websocket::stream<Stream&>& ws, const std::atomic<bool>& stopping)
      : ws_(ws), stopping_(stopping) {}

  bool open() const override { return ws_.is_open() && !stopping_.load(); }

  asio::awaitable<std::optional<std::string>> read() override {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, use_nothrow);
    if (ec) co_return std::nullopt;
    co_return beast::buffers_to_string(buffer.data());
  }

  asio::awaitable<bool> write(std::string text) override {
    auto [ec, n] = co_await ws_.async_write(asio::buffer(text), use_nothrow);
    co_return !ec;
  }

  asio::awaitable<void> close(int code, std::string reason) override {
    if (!ws_.is_open()) co_return;
    websocket::close_reason why(static_cast<websocket::close_code>(code), reason);
    auto [ec] = co_await ws_.async_close(why, use_nothrow);
    (void)ec;
  }

  void abort() override {
    beast::error_code ignore;
    beast::get_lowest_layer(ws_).socket().close(ignore);
  }

 private:
  websocket::stream<Stream&>& ws_;
  const std::atomic<bool>& stopping_;
};

template <class Stream>
asio::awaitable<void> serve_websocket(Stream& stream, UpgradeRequest& upgrade, Response& resp,
                                      const std::atomic<bool>& stopping) {
  websocket::stream<Stream&> ws(stream);
  beast::get_lowest_layer(stream).expires_never();  // the WebSocket's own timeouts take over
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = std::chrono::seconds(30);  // pings at half of it; a dead peer closes
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(kMaxWebSocketMessage);
  ws.set_option(
      websocket::stream_base::decorator([headers = resp.headers](websocket::response_type& r) {
        for (const auto& [name, value] : headers.fields()) {
          if (safe(name) && safe(value)) r.set(name, value);
        }
        r.set(bhttp::field::server, "throome");
      }));
  auto [ec] = co_await ws.async_accept(upgrade, use_nothrow);
  if (ec) {
    spdlog::debug("websocket handshake failed: {}", ec.message());
    co_return;
  }
  ws.text(true);
  BeastWebSocket<Stream> socket(ws, stopping);
  co_await resp.websocket(socket);
}

}  // namespace

template <class Stream>
asio::awaitable<void> serve_stream(Stream& stream, std::optional<UpgradeRequest> upgrade,
                                   Response& resp, unsigned version,
                                   std::chrono::milliseconds write_timeout,
                                   const std::atomic<bool>& stopping) {
  if (resp.websocket && upgrade) {
    co_await serve_websocket(stream, *upgrade, resp, stopping);
    co_return;
  }
  if (!resp.stream) {
    // A WebSocket response to a request that was not an upgrade: nothing sensible to send.
    co_return;
  }
  const bool chunked = version == 11;
  std::string head = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(resp.status);
  head += ' ';
  head += bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status));
  head += "\r\n";
  for (const auto& [name, value] : resp.headers.fields()) {
    if (!safe(name) || !safe(value)) continue;
    head += name + ": " + value + "\r\n";
  }
  head += "Server: throome\r\n";
  if (chunked) head += "Transfer-Encoding: chunked\r\n";
  head += "Connection: close\r\n\r\n";
  beast::get_lowest_layer(stream).expires_after(write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), use_nothrow);
  if (ec) co_return;
  beast::get_lowest_layer(stream).expires_never();
  ChunkedWriter<Stream> writer(stream, chunked, write_timeout, stopping);
  writer.watch_peer();
  co_await resp.stream(writer);
  co_await writer.finish();
}

template asio::awaitable<void> serve_stream<beast::tcp_stream>(beast::tcp_stream&,
                                                               std::optional<UpgradeRequest>,
                                                               Response&, unsigned,
                                                               std::chrono::milliseconds,
                                                               const std::atomic<bool>&);
template asio::awaitable<void> serve_stream<beast::ssl_stream<beast::tcp_stream>>(
    beast::ssl_stream<beast::tcp_stream>&, std::optional<UpgradeRequest>, Response&, unsigned,
    std::chrono::milliseconds, const std::atomic<bool>&);

}  // namespace throome::http::detail
