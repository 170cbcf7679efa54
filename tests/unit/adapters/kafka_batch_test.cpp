// kafka::Batch: ranges of its body and arena stay right when it moves and grows; headers are
// tracked per message from the first one that has them; BatchResult counts its failures.
#include <gtest/gtest.h>

#include "throome/adapters/kafka/batch.hpp"

namespace throome::kafka {
namespace {

TEST(KafkaBatch, RangesSurviveMovesAndArenaGrowth) {
  Batch b("t", "ab");  // a short body lives inside the string: moving it moves its bytes
  const auto a = b.in_body(0, 1);
  const auto whole = b.in_body(0, 2);
  const std::size_t mark = b.arena().size();
  b.arena() += "decoded";
  const auto decoded = b.arena_since(mark);
  b.add(a, whole, 3);
  b.add(decoded);
  for (int i = 0; i < 1000; ++i) b.add(b.copy(std::string(100, 'x')), Batch::kNone);
  Batch moved = std::move(b);
  ASSERT_EQ(moved.size(), 1002u);
  EXPECT_EQ(moved.topic(), "t");
  EXPECT_EQ(moved.value(0), std::optional<std::string_view>("a"));
  EXPECT_EQ(moved.key(0), std::optional<std::string_view>("ab"));
  EXPECT_EQ(moved.partition(0), 3);
  EXPECT_EQ(moved.value(1), std::optional<std::string_view>("decoded"));
  EXPECT_FALSE(moved.key(1).has_value());
  EXPECT_EQ(moved.partition(1), kAnyPartition);
  EXPECT_EQ(moved.value(1001), std::optional<std::string_view>(std::string(100, 'x')));
  EXPECT_FALSE(moved.has_headers());
}

TEST(KafkaBatch, HeadersAreKeptPerMessage) {
  Batch b("t");
  b.add(b.copy(std::string("1")));
  b.add(b.copy(std::string("2")), Batch::kNone, 0, {{"h", "v"}, {"nil", std::nullopt}});
  b.add(b.copy(std::string("3")));
  ASSERT_TRUE(b.has_headers());
  EXPECT_TRUE(b.headers(0).empty());
  ASSERT_EQ(b.headers(1).size(), 2u);
  EXPECT_EQ(b.headers(1)[1], (Header{"nil", std::nullopt}));
  EXPECT_TRUE(b.headers(2).empty());
  const Message m = b.message(1);
  EXPECT_EQ(m.topic, "t");
  EXPECT_EQ(m.value, "2");
  EXPECT_FALSE(m.key.has_value());
  EXPECT_EQ(m.partition, 0);
  EXPECT_EQ(m.headers, b.headers(1));
}

TEST(KafkaBatch, OfOneMessageMovesItsValueIn) {
  Message m;
  m.topic = "orders";
  m.value = std::string(1000, 'v');
  m.key = "k";
  m.partition = 2;
  m.headers = {{"a", "b"}};
  const char* bytes = m.value->data();
  const Batch b = Batch::of(std::move(m));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.value(0)->data(), bytes);  // not copied
  EXPECT_EQ(b.key(0), std::optional<std::string_view>("k"));
  EXPECT_EQ(b.partition(0), 2);
  EXPECT_EQ(b.headers(0).size(), 1u);

  Message tombstone;
  tombstone.topic = "orders";
  const Batch t = Batch::of(std::move(tombstone));
  EXPECT_FALSE(t.value(0).has_value());
  EXPECT_FALSE(t.key(0).has_value());
  Message empty;
  empty.value = "";
  EXPECT_EQ(Batch::of(std::move(empty)).value(0), std::optional<std::string_view>(""));
}

TEST(KafkaBatch, ResultsShareOneErrorPerFailure) {
  auto r = BatchResult::failed(3, Error(Errc::overloaded, "queue full"));
  EXPECT_EQ(r.failures(), 3u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.error(2).message(), "queue full");
  r.outcomes[1] = BatchResult::Outcome{7, -1, 0, -1};
  EXPECT_TRUE(r.outcomes[1].ok());
  EXPECT_EQ(r.failures(), 2u);
}

}  // namespace
}  // namespace throome::kafka
