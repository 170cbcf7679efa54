#pragma once

// A scripted HTTP/1.1 server on 127.0.0.1 for the client's unit tests: one IO thread,
// one coroutine per connection, replies chosen by a handler. Test-only.

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace throome::client::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class FakeHttpServer {
 public:
  using Request = http::request<http::string_body>;

  /// What to do with one request.
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    bool close_after = false;              // close the socket after replying, without announcing it
    bool connection_close_header = false;  // reply with "Connection: close" and close
    bool no_reply = false;                 // never answer (the connection stays open)
    bool drop = false;                     // close the connection without any answer
    std::string raw;                       // send these bytes instead of a response, then close
    std::chrono::milliseconds delay{0};
  };
  using Handler = std::function<Reply(const Request&)>;

  explicit FakeHttpServer(Handler handler)
      : handler_(std::move(handler)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~FakeHttpServer() {
    ioc_.stop();
    thread_.join();
  }

  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

  /// Every request received so far.
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      Request req;
      auto [read_ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
      if (read_ec) co_return;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
      }
      Reply reply = handler_(req);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(ioc_, reply.delay);
        co_await timer.async_wait(use_nothrow);
      }
      if (reply.no_reply) {
        asio::steady_timer timer(ioc_, std::chrono::hours(1));
        co_await timer.async_wait(use_nothrow);
        co_return;
      }
      if (reply.drop) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
      }
      if (!reply.raw.empty()) {
        co_await asio::async_write(stream, asio::buffer(reply.raw), use_nothrow);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, reply.content_type);
      res.body() = reply.body;
      res.keep_alive(!reply.connection_close_header && req.keep_alive());
      res.prepare_payload();
      auto [write_ec, written] = co_await http::async_write(stream, res, use_nothrow);
      if (write_ec || reply.close_after || !res.keep_alive()) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
      }
    }
  }

  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace throome::client::testing
