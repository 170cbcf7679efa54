#include "throome/api/queue_cursor.hpp"

#include <gtest/gtest.h>

#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

const std::vector<kafka::Position> kPositions = {{0, 0}, {1, 17}, {2, 1'000'000'000'000}, {7, 3}};

TEST(QueueCursor, RoundTrips) {
  const auto c = encode_cursor("key", "orders", kPositions);
  EXPECT_EQ(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << "URL-safe: " << c;
  auto back = decode_cursor("key", "orders", c);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, kPositions);
  auto empty = decode_cursor("key", "t", encode_cursor("key", "t", {}));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(QueueCursor, EveryAlteredCharacterIsRejected) {
  const auto c = encode_cursor("key", "orders", kPositions);
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::string t = c;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto r = decode_cursor("key", "orders", t);
    // A change in the last character may only touch padding bits; then the bytes are equal.
    if (r) {
      EXPECT_EQ(i, c.size() - 1);
      EXPECT_EQ(*r, kPositions);
      continue;
    }
    EXPECT_EQ(r.error().code(), Errc::bad_request);
    EXPECT_EQ(r.error().message(), "invalid cursor");
  }
}

TEST(QueueCursor, BoundToTopicAndKey) {
  const auto c = encode_cursor("key", "orders", kPositions);
  EXPECT_FALSE(decode_cursor("key", "payments", c));
  EXPECT_FALSE(decode_cursor("other key", "orders", c));
}

TEST(QueueCursor, GarbageIsRejected) {
  for (const std::string& bad :
       std::vector<std::string>{"", "x", "not a cursor", "AAAA", "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ",
                                std::string(100'000, 'A'), "AQ==", "a+b/"}) {
    auto r = decode_cursor("key", "orders", bad);
    EXPECT_FALSE(r) << bad.substr(0, 40);
  }
  // Truncated and extended cursors fail the MAC.
  const auto c = encode_cursor("key", "orders", kPositions);
  EXPECT_FALSE(decode_cursor("key", "orders", c.substr(0, c.size() - 4)));
  EXPECT_FALSE(decode_cursor("key", "orders", c + "AAAA"));
}

}  // namespace
}  // namespace throome::api::queue
