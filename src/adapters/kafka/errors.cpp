#include "adapters/kafka/errors.hpp"

namespace throome::kafka::detail {
namespace {

nlohmann::json details_of(rd_kafka_resp_err_t err) {
  return {{"kafka_error", rd_kafka_err2name(err)}, {"kafka_message", rd_kafka_err2str(err)}};
}

}  // namespace

Errc errc_for(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Errc::ok;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP:
      return Errc::not_found;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
      return Errc::payload_too_large;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return Errc::conflict;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return Errc::forbidden;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return Errc::overloaded;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return Errc::timeout;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
      return Errc::backend_unavailable;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
      return Errc::bad_request;
    default:
      return Errc::backend_unavailable;
  }
}

Error delivery_error(rd_kafka_resp_err_t err, std::string_view topic,
                     std::chrono::milliseconds timeout) {
  const std::string t(topic);
  switch (err) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return Error(
          Errc::backend_unavailable,
          "kafka did not acknowledge the message within " + std::to_string(timeout.count()) + " ms",
          details_of(err));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return Error(Errc::not_found, "topic \"" + t + "\" does not exist", details_of(err));
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return Error(Errc::bad_request, "no such partition in topic \"" + t + "\"", details_of(err));
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
      return Error(Errc::payload_too_large, "message too large for topic \"" + t + "\"",
                   details_of(err));
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return Error(Errc::overloaded, "the kafka producer queue is full", details_of(err));
    case RD_KAFKA_RESP_ERR__FATAL:
      return Error(Errc::backend_unavailable, "the kafka producer failed; it is being restarted",
                   details_of(err));
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
      return Error(Errc::backend_unavailable, "the kafka producer was closed", details_of(err));
    default: {
      const Errc code = errc_for(err);
      return Error(code == Errc::ok ? Errc::internal : code,
                   "kafka rejected the message: " + std::string(rd_kafka_err2str(err)),
                   details_of(err));
    }
  }
}

Error admin_error(rd_kafka_resp_err_t err, const std::string& what) {
  const Errc code = errc_for(err);
  std::string message = "cannot " + what + ": " + rd_kafka_err2str(err);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT) {
    message = "kafka did not answer in time: cannot " + what;
  }
  return Error(code == Errc::ok ? Errc::internal : code, std::move(message), details_of(err));
}

Error consumer_error(rd_kafka_resp_err_t err, const std::string& what) {
  const Errc code = errc_for(err);
  return Error(code == Errc::ok ? Errc::internal : code,
               what + ": " + std::string(rd_kafka_err2str(err)), details_of(err));
}

}  // namespace throome::kafka::detail
