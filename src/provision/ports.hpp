#pragma once

#include <optional>

namespace throome::provision::detail {

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice for port 0).
/// A server started on it may still lose a race for it: callers retry with another port.
/// @return nullopt when no socket can be bound.
std::optional<int> pick_free_port();

/// @return true when a socket cannot be bound to 127.0.0.1:port (with SO_REUSEADDR, as
///         redis-server and postgres bind): something listens there.
bool port_in_use(int port);

/// @return true when something accepts TCP connections on 127.0.0.1:port (100 ms timeout).
bool port_accepts(int port);

}  // namespace throome::provision::detail
