#include "client/http_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace throome::client::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace sys = boost::system;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxResponseBody = 64ull * 1024 * 1024;

/// Where an exchange failed; decides the message and whether a retry is safe.
enum class Phase { resolve, connect, write, read };

/// A failed exchange: the phase, the error and whether any byte of a response arrived (a
/// retry is safe only when none did).
struct Failure {
  Phase phase;
  sys::error_code ec;
  bool got_response_bytes;
};

/// True for Beast's HTTP parser errors (bad status line, bad header, ...), false for the
/// stream ending early and for every socket error.
bool is_malformed_response(const sys::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::body_limit;
}

}  // namespace

struct HttpTransport::State {
  State(ServerUrl server_url, std::chrono::milliseconds request_timeout)
      : server(std::move(server_url)), timeout(request_timeout) {}

  ServerUrl server;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;

  /// Runs the io_context until every started operation has completed.
  void run() {
    ioc.restart();
    ioc.run();
  }

  void close() {
    if (stream) {
      sys::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
      stream.reset();
    }
    buffer.clear();
  }

  std::string url() const { return server.to_string(); }

  ClientError transport_error(Phase phase, const sys::error_code& ec) const {
    const bool timed_out = ec == beast::error::timeout || ec == asio::error::timed_out;
    std::string message;
    switch (phase) {
      case Phase::resolve:
        message = timed_out ? "cannot reach " + url() + ": timed out after " +
                                  format_duration(timeout) + " resolving \"" + server.host + "\""
                            : "cannot reach " + url() + ": cannot resolve host \"" + server.host +
                                  "\": " + ec.message();
        break;
      case Phase::connect:
        message = "cannot reach " + url() + ": " +
                  (timed_out ? "timed out after " + format_duration(timeout) : ec.message());
        break;
      case Phase::write:
      case Phase::read:
        if (timed_out) {
          message = "no answer from " + url() + " within " + format_duration(timeout);
        } else if (ec == http::error::end_of_stream || ec == asio::error::eof) {
          message = "connection to " + url() + " closed before a complete response";
        } else {
          message = "connection to " + url() + " failed: " + ec.message();
        }
        break;
    }
    return ClientError(ClientError::Kind::transport, std::move(message));
  }

  /// Opens a connection unless one is open. @return the error, or nullopt.
  std::optional<ClientError> ensure_connected(Clock::time_point deadline) {
    if (stream) return std::nullopt;
    // Resolve (no per-operation timeout on a resolver: bound the run and cancel).
    tcp::resolver resolver(ioc);
    sys::error_code ec;
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(server.host, std::to_string(server.port), tcp::resolver::numeric_service,
                           [&](sys::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             resolved = true;
                           });
    ioc.restart();
    ioc.run_until(deadline);
    if (!resolved) {
      resolver.cancel();
      run();
      return transport_error(Phase::resolve, beast::error::timeout);
    }
    if (ec) return transport_error(Phase::resolve, ec);

    stream.emplace(ioc);
    stream->expires_at(deadline);
    stream->async_connect(endpoints, [&](sys::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      close();
      return transport_error(Phase::connect, ec);
    }
    stream->socket().set_option(tcp::no_delay(true), ec);  // best effort
    buffer.clear();
    ++opened;
    return std::nullopt;
  }

  /// One exchange on the open connection.
  /// @return the response, or where and why it failed.
  std::variant<HttpResponse, Failure> exchange(const http::request<http::string_body>& req,
                                               Clock::time_point deadline) {
    sys::error_code ec;
    stream->expires_at(deadline);
    http::async_write(*stream, req, [&](sys::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return Failure{Phase::write, ec, false};

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (req.method() == http::verb::head) parser.skip(true);
    stream->expires_at(deadline);
    http::async_read(*stream, buffer, parser, [&](sys::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return Failure{Phase::read, ec, parser.got_some() || buffer.size() > 0};

    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    if (auto it = res.find(http::field::content_type); it != res.end()) {
      out.content_type = std::string(it->value());
    }
    const bool keep_alive = res.keep_alive();
    out.body = std::move(res.body());
    if (!keep_alive) close();
    return out;
  }
};

HttpTransport::HttpTransport(ServerUrl server, std::chrono::milliseconds timeout)
    : state_(std::make_unique<State>(std::move(server), timeout)) {}

HttpTransport::~HttpTransport() {
  if (state_) state_->close();
}

bool HttpTransport::connected() const noexcept { return state_->stream.has_value(); }

int HttpTransport::connections_opened() const noexcept { return state_->opened; }

ClientResult<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  auto& s = *state_;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return ClientError(ClientError::Kind::usage,
                       "unknown HTTP method \"" + std::string(request.method) + "\"");
  }

  http::request<http::string_body> req{verb, request.target, 11};
  req.set(http::field::host, s.server.host_header());
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty()) {
    req.set(http::field::content_type, request.content_type);
    req.body() = std::string(request.body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  const auto deadline = Clock::now() + s.timeout;
  // A reused connection may have been closed by the server while idle; that shows up as a
  // failed write or as a read that got no byte at all. Then reconnect and send once more.
  for (int attempt = 0;; ++attempt) {
    const bool reused = s.stream.has_value();
    if (auto err = s.ensure_connected(deadline)) return std::move(*err);
    auto result = s.exchange(req, deadline);
    if (auto* response = std::get_if<HttpResponse>(&result)) return std::move(*response);

    const auto& failure = std::get<Failure>(result);
    s.close();
    const bool timed_out = failure.ec == beast::error::timeout;
    if (reused && attempt == 0 && !timed_out && !failure.got_response_bytes) continue;

    const auto& ec = failure.ec;
    if (failure.phase == Phase::read && is_malformed_response(ec)) {
      return ClientError(ClientError::Kind::protocol,
                         "invalid HTTP response from " + s.url() + ": " + ec.message());
    }
    if (ec == http::error::body_limit) {
      return ClientError(ClientError::Kind::protocol,
                         "response from " + s.url() + " exceeds " +
                             std::to_string(kMaxResponseBody / (1024 * 1024)) + " MiB");
    }
    return s.transport_error(failure.phase, ec);
  }
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms > 1000) {
    std::string s = std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1);
    while (s.back() == '0') s.pop_back();
    return s + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace throome::client::detail
