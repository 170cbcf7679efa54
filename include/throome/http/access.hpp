#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace throome::http {

/// What a caller must be allowed to do to run a route. Every route declares one when it is
/// registered (RouteTable::add), so no route can be served without an access decision.
/// Routes with an `{id}` path parameter under /api/v1/clusters act on that cluster.
enum class Access : std::uint8_t {
  open,        // anyone, also with auth enabled: liveness, readiness, service info
  metrics,     // the Prometheus scrape: open unless monitoring.require_auth
  operate,     // read gateway and cluster state (config, health, metrics, activity)
  administer,  // change clusters (create, replace, delete, validate) and reload
  read,        // data-plane read on the cluster {id}: cache reads, db query, consuming
  write,       // data-plane write on the cluster {id}
};

/// @return "open", "metrics", "operate", "administer", "read" or "write".
constexpr std::string_view access_name(Access a) noexcept {
  switch (a) {
    case Access::open:
      return "open";
    case Access::metrics:
      return "metrics";
    case Access::operate:
      return "operate";
    case Access::administer:
      return "administer";
    case Access::read:
      return "read";
    case Access::write:
      return "write";
  }
  return "administer";
}

}  // namespace throome::http
