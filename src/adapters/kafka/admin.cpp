#include "adapters/kafka/admin.hpp"

#include <algorithm>
#include <array>

#include "adapters/kafka/conf.hpp"
#include "adapters/kafka/errors.hpp"

namespace throome::kafka::detail {
namespace {

int ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::max<std::int64_t>(1, d.count()));
}

bool internal_topic(const std::string& name) { return name.rfind("__", 0) == 0; }

}  // namespace

Admin::Admin(const ClientOptions& options) : options_(options) {
  auto props = producer_properties(options_);
  props.emplace_back("enable.idempotence", "false");  // never produces
  auto conf = make_conf(props);
  if (!conf) {
    const Error e = conf.error();
    broken_ =
        Error(Errc::backend_unavailable, "kafka service " + options_.name + " is misconfigured",
              e.message() + ": " + e.details().get<std::string>());
    return;
  }
  std::array<char, 512> err{};
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err.data(), err.size());
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    broken_ =
        Error(Errc::backend_unavailable, "kafka service " + options_.name + " is misconfigured",
              std::string(err.data()));
  }
}

Admin::~Admin() {
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

Result<std::vector<TopicInfo>> Admin::metadata(const std::string* only) {
  if (broken_) return *broken_;
  const rd_kafka_metadata_t* md = nullptr;
  // All topics: asking for one by name could make a broker auto-create it.
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, ms(options_.timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
      return Error(Errc::backend_unavailable, "kafka brokers unreachable",
                   "no metadata from " + options_.brokers + " within " +
                       std::to_string(options_.timeout.count()) + " ms");
    }
    return admin_error(err, "read the cluster metadata");
  }
  std::vector<TopicInfo> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    const std::string name = t.topic != nullptr ? t.topic : "";
    if (only != nullptr ? name != *only : internal_topic(name)) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    TopicInfo info{name, {}};
    for (int p = 0; p < t.partition_cnt; ++p) {
      const auto& part = t.partitions[p];
      PartitionInfo pi;
      pi.id = part.id;
      pi.leader = part.leader;
      pi.replicas.assign(part.replicas, part.replicas + part.replica_cnt);
      pi.isrs.assign(part.isrs, part.isrs + part.isr_cnt);
      if (part.err != RD_KAFKA_RESP_ERR_NO_ERROR) pi.error = rd_kafka_err2name(part.err);
      info.partitions.push_back(std::move(pi));
    }
    std::sort(info.partitions.begin(), info.partitions.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    out.push_back(std::move(info));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<TopicInfo>> Admin::topics() { return metadata(nullptr); }

Result<TopicInfo> Admin::topic(const std::string& name) {
  auto all = metadata(&name);
  if (!all) return all.error();
  if (all->empty() || all->front().partitions.empty()) {
    return Error(Errc::not_found, "topic \"" + name + "\" does not exist");
  }
  return std::move(all->front());
}

Result<std::vector<Position>> Admin::offsets(const std::string& topic,
                                             const std::vector<std::int32_t>& partitions,
                                             StartFrom from) {
  if (broken_) return *broken_;
  std::vector<Position> out;
  if (partitions.empty()) return out;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (auto p : partitions) {
    // ListOffsets with the special timestamps: -2 earliest, -1 latest.
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset =
        from == StartFrom::earliest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
  }
  const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_, list, ms(options_.timeout));
  Result<std::vector<Position>> result = out;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = admin_error(err, "read the offsets of topic " + topic);
  } else {
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = admin_error(
            e.err, "read the offsets of " + topic + "[" + std::to_string(e.partition) + "]");
        break;
      }
      result->push_back({e.partition, std::max<std::int64_t>(0, e.offset)});
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (result) {
    std::sort(result->begin(), result->end(),
              [](const auto& a, const auto& b) { return a.partition < b.partition; });
  }
  return result;
}

Result<void> Admin::watermarks(TopicInfo& info) {
  std::vector<std::int32_t> ids;
  for (const auto& p : info.partitions) ids.push_back(p.id);
  auto low = offsets(info.name, ids, StartFrom::earliest);
  if (!low) return low.error();
  auto high = offsets(info.name, ids, StartFrom::latest);
  if (!high) return high.error();
  for (auto& p : info.partitions) {
    for (const auto& l : *low) {
      if (l.partition == p.id) p.low = l.offset;
    }
    for (const auto& h : *high) {
      if (h.partition == p.id) p.high = h.offset;
    }
  }
  return {};
}

rd_kafka_event_t* Admin::wait_result(rd_kafka_queue_t* queue) {
  // The request timeout (set on the call) is a little shorter: librdkafka's own timeout
  // result normally arrives first and names the problem.
  return rd_kafka_queue_poll(queue, ms(options_.timeout));
}

Result<void> Admin::topic_call(
    rd_kafka_admin_op_t op, const std::string& what,
    const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& submit,
    TopicResults results_of, const std::string* missing_topic) {
  std::array<char, 512> err{};
  const auto request_timeout =
      std::max(std::chrono::milliseconds(50), options_.timeout - std::chrono::milliseconds(100));
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, op);
  rd_kafka_AdminOptions_set_request_timeout(opts, ms(request_timeout), err.data(), err.size());
  rd_kafka_AdminOptions_set_operation_timeout(opts, ms(request_timeout), err.data(), err.size());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  submit(opts, queue);
  rd_kafka_event_t* ev = wait_result(queue);
  Result<void> result;
  if (ev == nullptr) {
    result = admin_error(RD_KAFKA_RESP_ERR__TIMED_OUT, what);
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = admin_error(rd_kafka_event_error(ev), what);
  } else {
    std::size_t n = 0;
    const rd_kafka_topic_result_t** results = results_of(ev, &n);
    for (std::size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (missing_topic != nullptr && e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        result = Error(Errc::not_found, "topic \"" + *missing_topic + "\" does not exist");
        continue;
      }
      Error failure = admin_error(e, what);
      if (const char* text = rd_kafka_topic_result_error_string(results[i])) {
        failure = Error(failure.code(), failure.message(),
                        {{"kafka_error", rd_kafka_err2name(e)}, {"kafka_message", text}});
      }
      result = failure;
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(opts);
  return result;
}

Result<void> Admin::create_topic(const TopicSpec& spec) {
  if (broken_) return *broken_;
  std::array<char, 512> err{};
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(
      spec.name.c_str(), spec.partitions, spec.replication_factor, err.data(), err.size());
  if (topic == nullptr) return Error(Errc::bad_request, "invalid topic", std::string(err.data()));
  for (const auto& [k, v] : spec.config) {
    if (rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_NewTopic_destroy(topic);
      return Error(Errc::bad_request, "invalid topic config \"" + k + "\"");
    }
  }
  const auto submit = [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
    rd_kafka_CreateTopics(rk_, &topic, 1, opts, queue);
  };
  const TopicResults results = [](rd_kafka_event_t* ev, std::size_t* n) {
    return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
  };
  auto result = topic_call(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topic " + spec.name, submit,
                           results, nullptr);
  rd_kafka_NewTopic_destroy(topic);
  return result;
}

Result<void> Admin::delete_topic(const std::string& name) {
  if (broken_) return *broken_;
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  const auto submit = [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
    rd_kafka_DeleteTopics(rk_, &topic, 1, opts, queue);
  };
  const TopicResults results = [](rd_kafka_event_t* ev, std::size_t* n) {
    return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
  };
  auto result =
      topic_call(RD_KAFKA_ADMIN_OP_DELETETOPICS, "delete topic " + name, submit, results, &name);
  rd_kafka_DeleteTopic_destroy(topic);
  return result;
}

}  // namespace throome::kafka::detail
