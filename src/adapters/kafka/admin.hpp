#pragma once

// Topic admin and metadata of one Kafka service on its own librdkafka handle. Every call
// blocks its (worker) thread for at most the configured deadline. Private to the adapter.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "throome/adapters/kafka/client.hpp"

namespace throome::kafka::detail {

class Admin {
 public:
  explicit Admin(const ClientOptions& options);
  ~Admin();  // blocking: destroys the handle
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  /// Every topic (internal ones skipped), sorted by name, partitions sorted by id.
  Result<std::vector<TopicInfo>> topics();
  /// One topic's metadata. @return Errc::not_found when it does not exist.
  Result<TopicInfo> topic(const std::string& name);
  /// Fills the low and high watermarks of every partition of `info`.
  Result<void> watermarks(TopicInfo& info);
  /// The earliest or latest offset of each of `partitions` of `topic`.
  Result<std::vector<Position>> offsets(const std::string& topic,
                                        const std::vector<std::int32_t>& partitions,
                                        StartFrom from);
  Result<void> create_topic(const TopicSpec& spec);
  Result<void> delete_topic(const std::string& name);

 private:
  Result<std::vector<TopicInfo>> metadata(const std::string* only);
  rd_kafka_event_t* wait_result(rd_kafka_queue_t* queue);
  // The per-topic results of a CreateTopics/DeleteTopics result event.
  using TopicResults = const rd_kafka_topic_result_t** (*)(rd_kafka_event_t*, std::size_t*);
  // Runs one topic admin call (`submit` issues it on the options and queue given) within the
  // client's timeout; per-topic errors become the result (UNKNOWN_TOPIC_OR_PART is "not
  // found" when `missing_topic` is given).
  Result<void> topic_call(
      rd_kafka_admin_op_t op, const std::string& what,
      const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& submit,
      TopicResults results_of, const std::string* missing_topic);

  ClientOptions options_;
  std::optional<Error> broken_;
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace throome::kafka::detail
