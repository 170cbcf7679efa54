#include "client/http_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace throome::client::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace sys = boost::system;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxResponseBody = 64ull * 1024 * 1024;
constexpr std::size_t kMaxIdleConnections = 16;

/// Where an exchange failed; decides the message and whether a retry is safe.
enum class Phase { resolve, connect, handshake, write, read };

/// A failed exchange: the phase, the error and whether any byte of a response arrived (a
/// retry is safe only when none did).
struct Failure {
  Phase phase = Phase::connect;
  sys::error_code ec;
  bool got_response_bytes = false;
};

/// True for Beast's HTTP parser errors (bad status line, bad header, ...), false for the
/// stream ending early and for every socket error.
bool is_malformed_response(const sys::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::body_limit;
}

bool is_ip_address(const std::string& host) {
  sys::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

/// One open connection: plain TCP or TLS over TCP, and its read buffer.
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }

  void close() {
    sys::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }
};

/// What one exchange on a connection produced.
struct Outcome {
  std::optional<HttpResponse> response;
  Failure failure;
  bool keep_alive = false;
};

template <class Stream>
asio::awaitable<Outcome> exchange_on(Stream& stream, beast::flat_buffer& buffer,
                                     beast::tcp_stream& lowest,
                                     const http::request<http::string_body>& req,
                                     Clock::time_point deadline) {
  Outcome out;
  lowest.expires_at(deadline);
  auto [wec, written] = co_await http::async_write(stream, req, use_nothrow);
  (void)written;
  if (wec) {
    out.failure = Failure{Phase::write, wec, false};
    co_return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  if (req.method() == http::verb::head) parser.skip(true);
  lowest.expires_at(deadline);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  (void)read;
  if (rec) {
    out.failure = Failure{Phase::read, rec, parser.got_some() || buffer.size() > 0};
    co_return out;
  }
  auto& res = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(res.result_int());
  response.reason = std::string(res.reason());
  if (auto it = res.find(http::field::content_type); it != res.end()) {
    response.content_type = std::string(it->value());
  }
  out.keep_alive = res.keep_alive();
  response.body = std::move(res.body());
  out.response = std::move(response);
  co_return out;
}

}  // namespace

struct AsyncTransport::State {
  asio::any_io_executor executor;
  ServerUrl server;
  std::chrono::milliseconds timeout;
  std::optional<ssl::context> tls;
  bool verify = true;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mutex
  std::atomic<int> opened{0};

  std::string url() const { return server.to_string(); }

  std::unique_ptr<Connection> take_idle() {
    std::lock_guard lock(mutex);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }

  void give_back(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex);
    if (idle.size() < kMaxIdleConnections) {
      idle.push_back(std::move(c));
      return;
    }
    c->close();
  }

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
      case Phase::handshake:
        message = "TLS handshake with " + url() + " failed: " +
                  (timed_out ? "timed out after " + format_duration(timeout) : ec.message());
        break;
      case Phase::write:
      case Phase::read:
        if (timed_out) {
          message = "no answer from " + url() + " within " + format_duration(timeout);
        } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                   ec == ssl::error::stream_truncated) {
          message = "connection to " + url() + " closed before a complete response";
        } else {
          message = "connection to " + url() + " failed: " + ec.message();
        }
        break;
    }
    return ClientError(ClientError::Kind::transport, std::move(message));
  }

  /// Resolves the host within the deadline (a resolver has no timeout of its own: a timer
  /// cancels it).
  asio::awaitable<std::pair<sys::error_code, tcp::resolver::results_type>> resolve(
      Clock::time_point deadline) {
    auto resolver = std::make_shared<tcp::resolver>(executor);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer timer(executor, deadline);
    auto on_timer = [resolver, timed_out](sys::error_code ec) {
      if (!ec) {
        *timed_out = true;
        resolver->cancel();
      }
    };
    timer.async_wait(on_timer);
    auto [ec, results] = co_await resolver->async_resolve(
        server.host, std::to_string(server.port), tcp::resolver::numeric_service, use_nothrow);
    timer.cancel();
    if (*timed_out) ec = beast::error::timeout;
    co_return std::make_pair(ec, std::move(results));
  }

  /// Opens a connection (TCP, then the TLS handshake for https://).
  asio::awaitable<std::pair<std::unique_ptr<Connection>, std::optional<ClientError>>> connect(
      Clock::time_point deadline) {
    std::pair<std::unique_ptr<Connection>, std::optional<ClientError>> out;
    auto resolved = co_await resolve(deadline);
    if (resolved.first) {
      out.second = transport_error(Phase::resolve, resolved.first);
      co_return out;
    }
    auto c = std::make_unique<Connection>();
    if (tls) {
      c->secure.emplace(executor, *tls);
    } else {
      c->plain.emplace(executor);
    }
    auto& lowest = c->lowest();
    lowest.expires_at(deadline);
    auto [cec, endpoint] = co_await lowest.async_connect(resolved.second, use_nothrow);
    (void)endpoint;
    if (cec) {
      c->close();
      out.second = transport_error(Phase::connect, cec);
      co_return out;
    }
    sys::error_code ignored;
    lowest.socket().set_option(tcp::no_delay(true), ignored);  // best effort
    if (tls) {
      SSL* handle = c->secure->native_handle();
      // SNI names a host, never an IP address (RFC 6066).
      if (!is_ip_address(server.host) &&
          SSL_set_tlsext_host_name(handle, const_cast<char*>(server.host.c_str())) != 1) {
        c->close();
        out.second = ClientError(ClientError::Kind::transport,
                                 "TLS handshake with " + url() + " failed: cannot set SNI");
        co_return out;
      }
      if (verify) {
        c->secure->set_verify_callback(ssl::host_name_verification(server.host));
      }
      lowest.expires_at(deadline);
      auto [hec] = co_await c->secure->async_handshake(ssl::stream_base::client, use_nothrow);
      if (hec) {
        c->close();
        out.second = transport_error(Phase::handshake, hec);
        co_return out;
      }
    }
    ++opened;
    out.first = std::move(c);
    co_return out;
  }

  asio::awaitable<Outcome> exchange(Connection& c, const http::request<http::string_body>& req,
                                    Clock::time_point deadline) {
    if (c.plain) {
      auto op = exchange_on(*c.plain, c.buffer, *c.plain, req, deadline);
      co_return co_await std::move(op);
    }
    auto op = exchange_on(*c.secure, c.buffer, c.lowest(), req, deadline);
    co_return co_await std::move(op);
  }
};

ClientResult<std::shared_ptr<AsyncTransport>> AsyncTransport::create(
    asio::any_io_executor executor, ServerUrl server, std::chrono::milliseconds timeout,
    const TlsOptions& tls) {
  auto state = std::make_unique<State>();
  state->executor = std::move(executor);
  state->timeout = timeout;
  if (server.tls) {
    auto fail = [](std::string what, const sys::error_code& ec) {
      return ClientError(ClientError::Kind::usage, std::move(what) + ": " + ec.message());
    };
    ssl::context ctx(ssl::context::tls_client);
    sys::error_code ec;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    if (ec) return fail("cannot set up TLS", ec);
    if (tls.verify) {
      ctx.set_verify_mode(ssl::verify_peer, ec);
      if (ec) return fail("cannot set up TLS", ec);
      if (!tls.ca_file.empty()) {
        ctx.load_verify_file(tls.ca_file, ec);
        if (ec) return fail("cannot load the CA file " + tls.ca_file, ec);
      } else {
        ctx.set_default_verify_paths(ec);
        if (ec) return fail("cannot load the system's CA certificates", ec);
      }
    } else {
      ctx.set_verify_mode(ssl::verify_none, ec);
      if (ec) return fail("cannot set up TLS", ec);
    }
    if (tls.cert_file.empty() != tls.key_file.empty()) {
      return ClientError(ClientError::Kind::usage,
                         "a TLS client certificate needs both a certificate and a key file");
    }
    if (!tls.cert_file.empty()) {
      ctx.use_certificate_chain_file(tls.cert_file, ec);
      if (ec) return fail("cannot load the client certificate " + tls.cert_file, ec);
      ctx.use_private_key_file(tls.key_file, ssl::context::pem, ec);
      if (ec) return fail("cannot load the client key " + tls.key_file, ec);
    }
    state->tls.emplace(std::move(ctx));
    state->verify = tls.verify;
  }
  state->server = std::move(server);
  return std::shared_ptr<AsyncTransport>(new AsyncTransport(std::move(state)));
}

AsyncTransport::AsyncTransport(std::unique_ptr<State> state) : state_(std::move(state)) {}

AsyncTransport::~AsyncTransport() {
  for (auto& c : state_->idle) c->close();
}

std::size_t AsyncTransport::idle_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->idle.size();
}

int AsyncTransport::connections_opened() const noexcept { return state_->opened.load(); }

asio::awaitable<ClientResult<HttpResponse>> AsyncTransport::send(HttpRequest request) {
  auto& s = *state_;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    co_return ClientError(ClientError::Kind::usage,
                          "unknown HTTP method \"" + request.method + "\"");
  }

  http::request<http::string_body> req{verb, request.target, 11};
  req.set(http::field::host, s.server.host_header());
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty()) {
    req.set(http::field::content_type, request.content_type);
    req.body() = std::move(request.body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  const auto deadline = Clock::now() + s.timeout;
  // A reused connection may have been closed by the server while idle; that shows up as a
  // failed write or as a read that got no byte at all. Then reconnect and send once more.
  for (int attempt = 0;; ++attempt) {
    auto connection = s.take_idle();
    const bool reused = connection != nullptr;
    if (!connection) {
      auto opened = co_await s.connect(deadline);
      if (opened.second) co_return std::move(*opened.second);
      connection = std::move(opened.first);
    }
    auto op = s.exchange(*connection, req, deadline);
    Outcome outcome = co_await std::move(op);
    if (outcome.response) {
      if (outcome.keep_alive) {
        s.give_back(std::move(connection));
      } else {
        connection->close();
      }
      co_return std::move(*outcome.response);
    }

    const auto& failure = outcome.failure;
    connection->close();
    const bool timed_out = failure.ec == beast::error::timeout;
    if (reused && attempt == 0 && !timed_out && !failure.got_response_bytes) continue;

    const auto& ec = failure.ec;
    if (failure.phase == Phase::read && is_malformed_response(ec)) {
      co_return ClientError(ClientError::Kind::protocol,
                            "invalid HTTP response from " + s.url() + ": " + ec.message());
    }
    if (ec == http::error::body_limit) {
      co_return ClientError(ClientError::Kind::protocol,
                            "response from " + s.url() + " exceeds " +
                                std::to_string(kMaxResponseBody / (1024 * 1024)) + " MiB");
    }
    co_return s.transport_error(failure.phase, ec);
  }
}

// ---- blocking flavour ------------------------------------------------------------------

struct HttpTransport::Driver {
  asio::io_context ioc;
  std::shared_ptr<AsyncTransport> transport;
};

ClientResult<std::unique_ptr<HttpTransport>> HttpTransport::create(
    ServerUrl server, std::chrono::milliseconds timeout, const TlsOptions& tls) {
  auto driver = std::make_unique<Driver>();
  auto transport =
      AsyncTransport::create(driver->ioc.get_executor(), std::move(server), timeout, tls);
  if (!transport) return transport.error();
  driver->transport = std::move(*transport);
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(driver)));
}

HttpTransport::HttpTransport(std::unique_ptr<Driver> driver) : driver_(std::move(driver)) {}

HttpTransport::HttpTransport(ServerUrl server, std::chrono::milliseconds timeout)
    : driver_(std::make_unique<Driver>()) {
  server.tls = false;
  driver_->transport =
      AsyncTransport::create(driver_->ioc.get_executor(), std::move(server), timeout, {}).value();
}

HttpTransport::~HttpTransport() {
  // Close the idle connections while the io_context they belong to is alive.
  if (driver_) driver_->transport.reset();
}

bool HttpTransport::connected() const noexcept {
  return driver_->transport->idle_connections() > 0;
}

int HttpTransport::connections_opened() const noexcept {
  return driver_->transport->connections_opened();
}

ClientResult<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  std::optional<ClientResult<HttpResponse>> result;
  auto transport = driver_->transport;
  auto op = transport->send(request);
  auto done = [&result](std::exception_ptr e, ClientResult<HttpResponse> r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        result.emplace(ClientError(ClientError::Kind::transport, ex.what()));
      } catch (...) {
        result.emplace(ClientError(ClientError::Kind::transport, "unknown error"));
      }
      return;
    }
    result.emplace(std::move(r));
  };
  asio::co_spawn(driver_->ioc, std::move(op), std::move(done));
  driver_->ioc.restart();
  driver_->ioc.run();
  if (!result) return ClientError(ClientError::Kind::transport, "the request did not complete");
  return std::move(*result);
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
