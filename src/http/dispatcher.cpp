#include "throome/http/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "throome/http/error_response.hpp"

namespace throome::http {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A refusal by the guard, with the headers its status calls for.
Response refusal(const Request& req, const Error& error) {
  Response resp = error_response(req, error);
  if (error.code() == Errc::unauthorized) {
    resp.headers.set("WWW-Authenticate", "Bearer realm=\"throome\"");
  } else if (error.code() == Errc::rate_limited || error.code() == Errc::overloaded) {
    const auto& details = error.details();
    const auto it = details.is_object() ? details.find("retry_after_seconds") : details.end();
    resp.headers.set("Retry-After", it != details.end() && it->is_number_integer()
                                        ? std::to_string(it->get<std::int64_t>())
                                        : std::string("1"));
  }
  return resp;
}

}  // namespace

std::string choose_request_id(const Request& req) {
  if (auto incoming = req.header("X-Request-ID")) {
    const bool ok = !incoming->empty() && incoming->size() <= 128 &&
                    std::all_of(incoming->begin(), incoming->end(),
                                [](unsigned char c) { return c > 0x20 && c < 0x7f; });
    if (ok) return std::string(*incoming);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  auto bits = rng();
  for (auto& c : id) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

Dispatcher::Dispatcher(RouteTable routes, CorsPolicy cors,
                       std::vector<std::shared_ptr<RequestObserver>> observers,
                       std::shared_ptr<Guard> guard)
    : routes_(std::move(routes)),
      cors_(std::move(cors)),
      observers_(std::move(observers)),
      guard_(std::move(guard)) {}

boost::asio::awaitable<Response> Dispatcher::dispatch(Request req) {
  if (req.request_id.empty()) req.request_id = choose_request_id(req);
  auto match = routes_.match(req.method, req.path);
  Response resp;

  if (req.method == "OPTIONS" && match.kind != RouteTable::Match::Kind::not_found &&
      match.kind != RouteTable::Match::Kind::bad_path) {
    resp = preflight(req, match);
  } else {
    switch (match.kind) {
      case RouteTable::Match::Kind::found: {
        req.route = std::move(match.route);
        req.params = std::move(match.params);
        Pass pass;  // held until the handler is done
        if (guard_) {
          auto admitted = guard_->admit(req, match.access);
          if (!admitted) {
            resp = refusal(req, admitted.error());
            break;
          }
          pass = std::move(*admitted);
        }
        bool failed = false;
        try {
          resp = co_await (*match.handler)(req);
        } catch (const std::exception& e) {
          spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.route,
                        e.what());
          failed = true;
        }
        if (failed) {
          resp = error_response(req, Error(Errc::internal, "internal error",
                                           "see the gateway log for request " + req.request_id));
        }
        break;
      }
      case RouteTable::Match::Kind::method_not_allowed:
        req.route = std::move(match.route);
        resp = error_response(req, Error(Errc::method_not_allowed,
                                         "method " + req.method + " not allowed on " + req.path,
                                         "allowed: " + join(match.allowed, ", ")));
        resp.headers.set("Allow", join(match.allowed, ", "));
        break;
      case RouteTable::Match::Kind::bad_path:
        resp = error_response(req, Error(Errc::bad_request, "malformed request path"));
        break;
      case RouteTable::Match::Kind::not_found:
        resp = error_response(req, Error(Errc::not_found, "no route for " + req.method + " " +
                                                              std::string(req.path)));
        break;
    }
  }
  finish(req, resp);
  co_return resp;
}

Response Dispatcher::preflight(const Request& req, const RouteTable::Match& match) const {
  Response resp = Response::no_content();
  auto allowed = match.allowed;
  if (!contains(allowed, "OPTIONS")) allowed.push_back("OPTIONS");
  resp.headers.set("Allow", join(allowed, ", "));
  if (cors_.enabled && req.header("Origin")) {
    resp.headers.set("Access-Control-Allow-Methods", join(cors_.allowed_methods, ", "));
    if (auto requested = req.header("Access-Control-Request-Headers");
        requested && contains(cors_.allowed_headers, "*")) {
      resp.headers.set("Access-Control-Allow-Headers", std::string(*requested));
    } else {
      resp.headers.set("Access-Control-Allow-Headers", join(cors_.allowed_headers, ", "));
    }
    resp.headers.set("Access-Control-Max-Age", std::to_string(cors_.max_age_seconds));
  }
  return resp;
}

void Dispatcher::apply_cors(const Request& req, Response& resp) const {
  if (!cors_.enabled) return;
  if (contains(cors_.allowed_origins, "*")) {
    resp.headers.set("Access-Control-Allow-Origin", "*");
  } else if (auto origin = req.header("Origin");
             origin && contains(cors_.allowed_origins, *origin)) {
    resp.headers.set("Access-Control-Allow-Origin", std::string(*origin));
    resp.headers.set("Vary", "Origin");
  } else {
    return;
  }
  resp.headers.set("Access-Control-Expose-Headers", "X-Request-ID");
}

void Dispatcher::finish(const Request& req, Response& resp) const {
  resp.headers.set("X-Request-ID", req.request_id);
  apply_cors(req, resp);
  const auto duration = std::chrono::steady_clock::now() - req.received_at;
  for (const auto& o : observers_) o->on_response(req, resp, duration);
}

}  // namespace throome::http
