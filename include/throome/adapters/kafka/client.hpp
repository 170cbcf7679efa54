#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "throome/adapters/kafka/batch.hpp"
#include "throome/adapters/kafka/types.hpp"
#include "throome/common/error.hpp"

namespace throome {
class IoPool;
}

namespace throome::kafka {

class DevBroker;

/// Where and how to reach one Kafka backend, and how the gateway's clients behave.
struct ClientOptions {
  std::string brokers = "127.0.0.1:9092";  // bootstrap.servers
  /// Extra librdkafka properties for the producer and for consumers (they win over the
  /// gateway's defaults, except that message.timeout.ms is bounded by `timeout`).
  std::vector<std::pair<std::string, std::string>> producer;
  std::vector<std::pair<std::string, std::string>> consumer;
  /// The request deadline: delivery timeout of a publish, admin and metadata calls.
  std::chrono::milliseconds timeout{5'000};
  /// A consumer instance not used for this long is closed (it leaves its group).
  std::chrono::milliseconds consumer_idle_timeout{300'000};
  std::size_t max_consumers = 1'000;  // consumer instances per service
  std::size_t max_readers = 64;       // concurrent stateless reads and streams
  /// false: publishing to a topic that does not exist is Errc::not_found (the gateway checks
  /// the topic list, and librdkafka asks the broker not to create it).
  bool auto_create_topics = true;
  std::size_t max_queued_messages = 100'000;  // producer queue; beyond it publishes get 503
  /// Key of the stateless cursors' MAC. Every gateway instance serving the same service must
  /// use the same key (the factory derives one from the cluster config when none is set).
  std::string cursor_key;
  /// An in-process development broker (librdkafka's mock cluster): topics are created through
  /// its API, since the mock cluster does not answer CreateTopics.
  std::shared_ptr<DevBroker> dev_broker;
  std::string name;  // for logs, e.g. "shop/events"
};

/// A stream of records for one client (a WebSocket or SSE connection): a consumer in a group
/// or one reading assigned partitions from given offsets. Not thread-safe: one caller at a
/// time. Destroying it closes the consumer in the background (leaving its group).
class Stream {
 public:
  virtual ~Stream() = default;
  /// Waits up to `options.timeout` for records. @return what arrived (maybe nothing), or
  /// Errc::backend_unavailable when the consumer failed fatally.
  virtual boost::asio::awaitable<Result<std::vector<Record>>> fetch(FetchOptions options) = 0;
  /// Commits `offsets` (the next offsets to read) for the stream's group.
  /// @return Errc::bad_request without a group, the broker's error otherwise.
  virtual boost::asio::awaitable<Result<std::vector<Offset>>> commit(
      std::vector<Offset> offsets) = 0;
  /// The next offset to read per partition (stateless streams; empty for a group).
  virtual std::vector<Position> positions() const = 0;
};
using StreamPtr = std::unique_ptr<Stream>;

/// A Kafka backend: one idempotent librdkafka producer shared by every request, a topic admin,
/// consumer instances in groups, and stateless readers. Thread-safe. Every call resumes on
/// the caller's executor; no IO thread ever blocks in librdkafka. Destroying it closes
/// everything in the background.
///
/// Failures (Errc): not_found (unknown topic, consumer, partition), bad_request (invalid
/// arguments, the broker rejected the request), payload_too_large (a message over the
/// broker's or the producer's limit), conflict (topic exists), overloaded (producer queue
/// full, too many consumers), backend_unavailable (brokers unreachable: no acknowledgement
/// within the delivery timeout), timeout (an admin call the broker did not answer in time).
class Client {
 public:
  virtual ~Client() = default;

  /// Publishes one message; completes when the broker acknowledged it (acks=all) or the
  /// delivery timeout passed. @return its partition and offset.
  virtual boost::asio::awaitable<Result<Delivery>> publish(Message message) = 0;

  /// Publishes the messages of `batch` (one topic) together; librdkafka references the
  /// batch's bytes, without copying them, until every message has its delivery report.
  /// @return one outcome per message, in order, each failure as in publish().
  virtual boost::asio::awaitable<BatchResult> publish_batch(Batch batch) = 0;

  /// The topics of the cluster (without internal topics), sorted, with their partitions
  /// (no watermarks).
  virtual boost::asio::awaitable<Result<std::vector<TopicInfo>>> list_topics() = 0;

  /// One topic with partitions, leaders, replicas and low/high watermarks.
  /// @return Errc::not_found when the topic does not exist.
  virtual boost::asio::awaitable<Result<TopicInfo>> describe_topic(std::string topic) = 0;

  /// Creates a topic (Admin API; the dev broker's own API for the in-process dev broker).
  /// @return Errc::conflict when it exists, Errc::timeout when the broker did not answer.
  virtual boost::asio::awaitable<Result<void>> create_topic(TopicSpec spec) = 0;

  /// Deletes a topic. @return Errc::not_found when it does not exist, Errc::timeout when the
  /// broker did not answer.
  virtual boost::asio::awaitable<Result<void>> delete_topic(std::string topic) = 0;

  /// Starts a consumer instance in `spec.group` subscribed to `spec.topics`.
  /// @return its id, or Errc::overloaded when max_consumers are open.
  virtual boost::asio::awaitable<Result<std::string>> create_consumer(ConsumerSpec spec) = 0;

  /// Long-polls records of consumer `id` (at most `options.timeout`).
  /// @return Errc::not_found for an unknown (or expired) id.
  virtual boost::asio::awaitable<Result<std::vector<Record>>> consumer_fetch(
      std::string id, FetchOptions options) = 0;

  /// Commits `offsets` (the next offsets to read) for consumer `id`, or, when empty, the
  /// offsets of every record it has returned. @return the committed offsets.
  virtual boost::asio::awaitable<Result<std::vector<Offset>>> consumer_commit(
      std::string id, std::vector<Offset> offsets) = 0;

  /// Closes consumer `id` (it leaves its group in the background).
  /// @return Errc::not_found for an unknown id.
  virtual boost::asio::awaitable<Result<void>> delete_consumer(std::string id) = 0;

  /// Reads `request.topic` from the given positions without server-side state.
  /// @return the records and the position after them, or Errc::not_found (unknown topic).
  virtual boost::asio::awaitable<Result<ReadResult>> read(ReadRequest request) = 0;

  /// Opens a stream (a group consumer when `spec.group` is set, else an assigned reader).
  virtual boost::asio::awaitable<Result<StreamPtr>> open_stream(StreamSpec spec) = 0;

  /// False while librdkafka reports every broker down or the producer failed fatally.
  virtual bool healthy() const = 0;

  /// The options the client was built with.
  virtual const ClientOptions& options() const = 0;
};

using ClientPtr = std::shared_ptr<Client>;

/// The librdkafka implementation. Consumers and timers live on `pool`'s contexts.
/// Never fails: a configuration librdkafka rejects makes every call fail with that reason.
ClientPtr make_client(IoPool& pool, ClientOptions options);

/// Blocking, once the IO threads have stopped (daemon shutdown): settles every Kafka client
/// still alive so that no thread of the adapter touches an io_context afterwards. Each
/// producer gets up to `flush_timeout` to deliver what it holds, then the rest is purged (its
/// requests complete with an error, queued on their stopped contexts); each client's worker
/// threads finish their jobs and exit; teardown already handed to the reaper thread runs.
void quiesce(std::chrono::milliseconds flush_timeout = std::chrono::seconds(1));

}  // namespace throome::kafka
