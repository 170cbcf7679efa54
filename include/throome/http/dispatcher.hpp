#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "throome/http/guard.hpp"
#include "throome/http/request.hpp"
#include "throome/http/response.hpp"
#include "throome/http/route_table.hpp"

namespace throome::http {

struct CorsPolicy {
  bool enabled = true;
  std::vector<std::string> allowed_origins{"*"};
  std::vector<std::string> allowed_methods{"GET", "POST", "PUT", "DELETE", "OPTIONS"};
  std::vector<std::string> allowed_headers{"Content-Type", "Authorization", "X-API-Key",
                                           "X-Request-ID"};
  int max_age_seconds = 600;
};

/// Observes every finished request (access log, metrics). Called on the IO thread; must not
/// block.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_response(const Request& req, const Response& resp,
                           std::chrono::nanoseconds duration) = 0;
};

/// Transport-independent request pipeline: request id, CORS, routing (404/405), admission
/// (the Guard: 401/403/429/503), the handler, the error boundary and the access log. Sessions call
/// dispatch() once per request.
class Dispatcher {
 public:
  /// `guard` (may be null: everything is admitted) decides on every routed request before
  /// its handler runs.
  Dispatcher(RouteTable routes, CorsPolicy cors,
             std::vector<std::shared_ptr<RequestObserver>> observers = {},
             std::shared_ptr<Guard> guard = nullptr);

  /// Handles one request. Never throws: an exception escaping a handler becomes a 500.
  boost::asio::awaitable<Response> dispatch(Request req);

  /// Adds the headers every response carries (X-Request-ID, CORS) and notifies observers.
  /// Used directly by the session for responses produced before dispatch (413, 431, 400).
  void finish(const Request& req, Response& resp) const;

  const RouteTable& routes() const { return routes_; }

 private:
  Response preflight(const Request& req, const RouteTable::Match& match) const;
  void apply_cors(const Request& req, Response& resp) const;

  RouteTable routes_;
  CorsPolicy cors_;
  std::vector<std::shared_ptr<RequestObserver>> observers_;
  std::shared_ptr<Guard> guard_;
};

/// An id for a request: the incoming X-Request-ID when it is 1..128 printable ASCII
/// characters without spaces, else a new random 16-hex-digit id.
std::string choose_request_id(const Request& req);

}  // namespace throome::http
