#pragma once

// The monitored PostgreSQL and Kafka adapters (private to src/monitor): each wraps the client
// the adapter factory built and measures every data call like MonitoredRedisClient does.

#include <memory>

#include "throome/adapters/kafka/client.hpp"
#include "throome/adapters/postgres/client.hpp"
#include "throome/monitor/activity_log.hpp"
#include "throome/monitor/backend_metrics.hpp"

namespace throome::monitor {

/// Measures run() (operation: the statement's verb, e.g. "select") and transaction()
/// ("transaction"). The activity entry names the verb; the SQL text and arguments are kept
/// only with activity_store_values, and never for statements that may carry a password.
class MonitoredPostgresClient final : public postgres::Client {
 public:
  MonitoredPostgresClient(postgres::ClientPtr inner, std::shared_ptr<BackendMetrics> metrics,
                          std::shared_ptr<ActivityLog> activity);

  boost::asio::awaitable<Result<postgres::StatementResult>> run(
      postgres::Statement statement, postgres::ExecOptions options) override;
  boost::asio::awaitable<Result<std::vector<postgres::StatementResult>>> transaction(
      std::vector<postgres::Statement> statements, postgres::TransactionOptions transaction,
      postgres::ExecOptions options) override;
  bool healthy() const override { return inner_->healthy(); }
  postgres::PoolStats stats() const override { return inner_->stats(); }

 private:
  postgres::ClientPtr inner_;
  std::shared_ptr<BackendMetrics> metrics_;
  std::shared_ptr<ActivityLog> activity_;
};

/// Measures publish ("publish"), publish_batch ("publish_batch"), consumer_fetch ("fetch")
/// and read ("read"); admin and consumer-lifecycle calls pass through unmeasured. The
/// activity entry names the topic; message bodies only with activity_store_values.
class MonitoredKafkaClient final : public kafka::Client {
 public:
  MonitoredKafkaClient(kafka::ClientPtr inner, std::shared_ptr<BackendMetrics> metrics,
                       std::shared_ptr<ActivityLog> activity);

  boost::asio::awaitable<Result<kafka::Delivery>> publish(kafka::Message message) override;
  boost::asio::awaitable<kafka::BatchResult> publish_batch(kafka::Batch batch) override;
  boost::asio::awaitable<Result<std::vector<kafka::TopicInfo>>> list_topics() override {
    return inner_->list_topics();
  }
  boost::asio::awaitable<Result<kafka::TopicInfo>> describe_topic(std::string topic) override {
    return inner_->describe_topic(std::move(topic));
  }
  boost::asio::awaitable<Result<void>> create_topic(kafka::TopicSpec spec) override {
    return inner_->create_topic(std::move(spec));
  }
  boost::asio::awaitable<Result<void>> delete_topic(std::string topic) override {
    return inner_->delete_topic(std::move(topic));
  }
  boost::asio::awaitable<Result<std::string>> create_consumer(kafka::ConsumerSpec spec) override {
    return inner_->create_consumer(std::move(spec));
  }
  boost::asio::awaitable<Result<std::vector<kafka::Record>>> consumer_fetch(
      std::string id, kafka::FetchOptions options) override;
  boost::asio::awaitable<Result<std::vector<kafka::Offset>>> consumer_commit(
      std::string id, std::vector<kafka::Offset> offsets) override {
    return inner_->consumer_commit(std::move(id), std::move(offsets));
  }
  boost::asio::awaitable<Result<void>> delete_consumer(std::string id) override {
    return inner_->delete_consumer(std::move(id));
  }
  boost::asio::awaitable<Result<kafka::ReadResult>> read(kafka::ReadRequest request) override;
  boost::asio::awaitable<Result<kafka::StreamPtr>> open_stream(kafka::StreamSpec spec) override {
    return inner_->open_stream(std::move(spec));
  }
  bool healthy() const override { return inner_->healthy(); }
  const kafka::ClientOptions& options() const override { return inner_->options(); }

 private:
  kafka::ClientPtr inner_;
  std::shared_ptr<BackendMetrics> metrics_;
  std::shared_ptr<ActivityLog> activity_;
};

}  // namespace throome::monitor
