#pragma once

// What the queue handlers (queue_api.cpp, queue_stream.cpp) share. Private to src/api.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "throome/adapters/kafka/client.hpp"
#include "throome/api/queue_codec.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/common/error.hpp"
#include "throome/http/request.hpp"

namespace throome::api::queue::detail {

/// The cluster of the request (kept alive for the whole request) and its kafka backend.
struct Target {
  cluster::ClusterPtr cluster;
  kafka::ClientPtr client;
};

/// Finds cluster {id} and its kafka service (`service`, else the first one).
/// @return Errc::not_found / Errc::bad_request from the registry or the router.
Result<Target> target(cluster::Registry& registry, const http::Request& req,
                      std::string_view service);

/// Query parameter `name` as an integer in [min, max], `fallback` when absent.
Result<std::int64_t> query_int(const http::Request& req, std::string_view name, std::int64_t min,
                               std::int64_t max, std::int64_t fallback);

/// ?max=, ?max_bytes=, ?timeout_ms= of a fetch (defaults 100 records, 4 MiB, 1000 ms;
/// at most 10000 records, 64 MiB, 30000 ms).
Result<kafka::FetchOptions> fetch_options(const http::Request& req);

/// ?from=earliest|latest (default `fallback`).
Result<kafka::StartFrom> start_from(const http::Request& req, kafka::StartFrom fallback);

/// ?encoding= (utf8, base64, bytes).
Result<Encoding> encoding_of(const http::Request& req);

}  // namespace throome::api::queue::detail
