#pragma once

// librdkafka error codes → the gateway's errors. Private to the Kafka adapter.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <string_view>

#include "throome/common/error.hpp"

namespace throome::kafka::detail {

/// The Errc of a librdkafka error code (one table for producer, admin and consumer errors).
Errc errc_for(rd_kafka_resp_err_t err) noexcept;

/// A failed delivery of a message to `topic`: a clear message and {"kafka_error": name}.
/// `timeout` is the delivery timeout (named in the message of a timed-out delivery).
Error delivery_error(rd_kafka_resp_err_t err, std::string_view topic,
                     std::chrono::milliseconds timeout);

/// A failed admin or metadata call; `what` says what was attempted ("create topic t").
Error admin_error(rd_kafka_resp_err_t err, const std::string& what);

/// An error from a consumer.
Error consumer_error(rd_kafka_resp_err_t err, const std::string& what);

}  // namespace throome::kafka::detail
