#pragma once

// librdkafka configuration of the gateway's producers and consumers: the defaults, the
// operator's properties on top, and the bounds the gateway keeps. Private to the adapter.

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "throome/adapters/kafka/client.hpp"
#include "throome/common/error.hpp"

namespace throome::kafka::detail {

using Properties = std::vector<std::pair<std::string, std::string>>;

/// The producer's properties: bootstrap, idempotence, acks=all, batching, then
/// `options.producer`; message.timeout.ms never exceeds `options.timeout`.
Properties producer_properties(const ClientOptions& options);

/// What a consumer is for.
enum class ConsumerRole {
  group,   // a member of a consumer group (subscribe, commits)
  reader,  // reads assigned partitions from given offsets; never joins or commits
};

/// A consumer's properties: defaults for `role`, then `options.consumer`, then the settings
/// the gateway relies on (group.id, commit mode, no partition EOF events).
Properties consumer_properties(const ClientOptions& options, ConsumerRole role,
                               const std::string& group, const std::string& auto_offset_reset,
                               bool auto_commit);

/// An rd_kafka_conf_t with `properties` set and librdkafka's log routed to spdlog.
/// @return the conf (the caller owns it), or Errc::bad_request naming the rejected property.
Result<rd_kafka_conf_t*> make_conf(const Properties& properties);

/// The value of `name` in `properties` (the last one wins), or "" when absent.
std::string property(const Properties& properties, const std::string& name);

}  // namespace throome::kafka::detail
