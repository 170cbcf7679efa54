#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "throome/http/access.hpp"
#include "throome/http/handler.hpp"

namespace throome::http {

/// Routes by method + path template ("/api/v1/clusters/{id}"). Segments in braces capture
/// one percent-decoded path segment; a final "{name...}" captures the rest of the path.
/// Literal segments win over captures. Built once at start-up, then read-only (thread-safe).
class RouteTable {
 public:
  /// Registers a handler with the access a caller needs to run it (see Access).
  /// @throws std::invalid_argument for a duplicate (method, template) or a malformed template.
  void add(std::string method, std::string path_template, Access access, Handler handler);

  struct Match {
    enum class Kind { found, not_found, method_not_allowed, bad_path } kind = Kind::not_found;
    const Handler* handler = nullptr;
    Access access = Access::administer;  // of the matched route (found only)
    std::string route;                   // the template
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> allowed;  // methods for the path (405 Allow, CORS preflight)
  };

  /// Matches a percent-encoded path (no query). HEAD falls back to GET.
  Match match(std::string_view method, std::string_view path) const;

  /// Every (method, template), in registration order (used by docs and tests).
  std::vector<std::pair<std::string, std::string>> routes() const;

  struct Entry {
    std::string method;
    std::string path_template;
    Access access;
  };
  /// Every route with its access, in registration order (security tests, docs).
  std::vector<Entry> entries() const;

 private:
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<std::string> segments;
    int score = 0;      // specificity: literal segments count more than captures
    bool rest = false;  // ends in a {name...} capture
    Access access = Access::administer;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace throome::http
