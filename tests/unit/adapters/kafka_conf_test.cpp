// The Kafka adapter's sans-io parts: librdkafka properties and the error mapping.
#include <gtest/gtest.h>

#include "adapters/kafka/conf.hpp"
#include "adapters/kafka/errors.hpp"

namespace throome::kafka::detail {
namespace {

using namespace std::chrono_literals;

TEST(KafkaConf, ProducerDefaultsAreSafeAndOverridable) {
  ClientOptions o;
  o.brokers = "h1:9092,h2:9092";
  o.timeout = 3'000ms;
  o.producer = {{"linger.ms", "20"}, {"compression.type", "lz4"}};
  const auto p = producer_properties(o);
  EXPECT_EQ(property(p, "bootstrap.servers"), "h1:9092,h2:9092");
  EXPECT_EQ(property(p, "enable.idempotence"), "true");
  EXPECT_EQ(property(p, "acks"), "all");
  EXPECT_EQ(property(p, "socket.nagle.disable"), "true");
  EXPECT_EQ(property(p, "linger.ms"), "20");
  EXPECT_EQ(property(p, "compression.type"), "lz4");
  EXPECT_EQ(property(p, "message.timeout.ms"), "3000");
  auto conf = make_conf(p);
  ASSERT_TRUE(conf) << conf.error().message();
  rd_kafka_conf_destroy(*conf);
}

TEST(KafkaConf, DeliveryTimeoutNeverExceedsTheDeadline) {
  ClientOptions o;
  o.timeout = 2'000ms;
  o.producer = {{"message.timeout.ms", "60000"}, {"delivery.timeout.ms", "90000"}};
  auto p = producer_properties(o);
  EXPECT_EQ(property(p, "message.timeout.ms"), "2000");
  EXPECT_EQ(property(p, "delivery.timeout.ms"), "2000");
  o.producer = {{"message.timeout.ms", "500"}};
  p = producer_properties(o);
  EXPECT_EQ(property(p, "message.timeout.ms"), "500");  // shorter is fine
}

TEST(KafkaConf, ConsumersKeepWhatTheGatewayReliesOn) {
  ClientOptions o;
  o.consumer = {
      {"enable.partition.eof", "true"}, {"session.timeout.ms", "6000"}, {"group.id", "sneaky"}};
  auto g = consumer_properties(o, ConsumerRole::group, "billing", "earliest", false);
  EXPECT_EQ(property(g, "group.id"), "billing");
  EXPECT_EQ(property(g, "enable.partition.eof"), "false");
  EXPECT_EQ(property(g, "enable.auto.commit"), "false");
  EXPECT_EQ(property(g, "auto.offset.reset"), "earliest");
  EXPECT_EQ(property(g, "session.timeout.ms"), "6000");
  auto r = consumer_properties(o, ConsumerRole::reader, "throome-reader-1", "latest", true);
  EXPECT_EQ(property(r, "enable.auto.commit"), "false");
  EXPECT_EQ(property(r, "enable.auto.offset.store"), "false");
  auto conf = make_conf(g);
  ASSERT_TRUE(conf);
  rd_kafka_conf_destroy(*conf);
}

TEST(KafkaConf, AnUnknownPropertyIsNamed) {
  auto conf = make_conf({{"bootstrap.servers", "x:1"}, {"no.such.property", "1"}});
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.error().code(), Errc::bad_request);
  EXPECT_NE(conf.error().message().find("no.such.property"), std::string::npos);
  auto bad_value = make_conf({{"acks", "sometimes"}});
  ASSERT_FALSE(bad_value);
  EXPECT_NE(bad_value.error().message().find("acks"), std::string::npos);
}

TEST(KafkaErrors, EachErrorHasOneStatus) {
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__QUEUE_FULL), Errc::overloaded);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), Errc::backend_unavailable);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), Errc::payload_too_large);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), Errc::not_found);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), Errc::conflict);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__TIMED_OUT), Errc::timeout);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), Errc::forbidden);
  EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS), Errc::bad_request);

  auto timed_out = delivery_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "t", 1'500ms);
  EXPECT_EQ(timed_out.code(), Errc::backend_unavailable);
  EXPECT_NE(timed_out.message().find("1500 ms"), std::string::npos);
  EXPECT_EQ(timed_out.details()["kafka_error"], "_MSG_TIMED_OUT");
  EXPECT_EQ(delivery_error(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "t", 1s).code(),
            Errc::bad_request);
  EXPECT_EQ(delivery_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "t", 1s).code(),
            Errc::payload_too_large);
  EXPECT_EQ(admin_error(RD_KAFKA_RESP_ERR__TIMED_OUT, "create topic t").message(),
            "kafka did not answer in time: cannot create topic t");
}

}  // namespace
}  // namespace throome::kafka::detail
