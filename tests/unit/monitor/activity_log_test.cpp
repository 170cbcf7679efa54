// monitor::ActivityLog and the Redis command description: bounds, order, redaction.
#include "throome/monitor/activity_log.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "throome/monitor/redis_command_info.hpp"

namespace throome::monitor {
namespace {

ActivityEntry entry(const std::string& cluster, const std::string& service,
                    const std::string& command) {
  ActivityEntry e;
  e.cluster_id = cluster;
  e.service_name = service;
  e.service_type = "redis";
  e.command = command;
  return e;
}

TEST(ActivityLog, KeepsOnlyTheNewestCapacityEntriesNewestFirst) {
  ActivityLog log({.capacity = 3});
  for (int i = 1; i <= 5; ++i) log.record(entry("shop", "cache", "CMD" + std::to_string(i)));
  EXPECT_EQ(log.recorded(), 5u);
  const auto all = log.recent(100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].command, "CMD5");
  EXPECT_EQ(all[1].command, "CMD4");
  EXPECT_EQ(all[2].command, "CMD3");
  EXPECT_EQ(all[0].id, 5u);
  EXPECT_EQ(all[2].id, 3u);
  const auto two = log.recent(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].command, "CMD4");
}

TEST(ActivityLog, OrderHoldsBeforeTheRingIsFull) {
  ActivityLog log({.capacity = 10});
  EXPECT_TRUE(log.recent(10).empty());
  for (int i = 1; i <= 4; ++i) log.record(entry("shop", "cache", "CMD" + std::to_string(i)));
  const auto all = log.recent(10);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().command, "CMD4");
  EXPECT_EQ(all.back().command, "CMD1");
  EXPECT_GE(all.front().timestamp, all.back().timestamp);
}

TEST(ActivityLog, FiltersByClusterAndService) {
  ActivityLog log({.capacity = 100});
  log.record(entry("shop", "cache", "A"));
  log.record(entry("blog", "cache", "B"));
  log.record(entry("shop", "sessions", "C"));
  log.record(entry("shop", "cache", "D"));
  const auto shop = log.recent(10, "shop");
  ASSERT_EQ(shop.size(), 3u);
  EXPECT_EQ(shop[0].command, "D");
  EXPECT_EQ(shop[2].command, "A");
  const auto cache = log.recent(10, "shop", "cache");
  ASSERT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache[0].command, "D");
  EXPECT_EQ(cache[1].command, "A");
  EXPECT_EQ(log.recent(1, "shop", "cache").size(), 1u);
  EXPECT_TRUE(log.recent(10, "nope").empty());
}

TEST(ActivityLog, ZeroCapacityKeepsNothing) {
  ActivityLog log({.capacity = 0});
  log.record(entry("shop", "cache", "A"));
  EXPECT_TRUE(log.recent(10).empty());
}

TEST(ActivityLog, ConcurrentRecordsStayBoundedWithUniqueIds) {
  ActivityLog log({.capacity = 50});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) log.record(entry("shop", "cache", "X"));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(log.recorded(), 4000u);
  const auto all = log.recent(1000);
  ASSERT_EQ(all.size(), 50u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].id, 4000u - i);
}

TEST(ActivityLog, JsonShape) {
  ActivityEntry e = entry("shop", "cache", "GET");
  e.id = 7;
  e.operation = "get";
  e.keys = {"user:1"};
  e.arg_count = 1;
  e.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  e.duration = std::chrono::microseconds(1500);
  const auto j = ActivityLog::to_json(e);
  EXPECT_EQ(j["id"], "7");
  EXPECT_EQ(j["timestamp"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["cluster_id"], "shop");
  EXPECT_EQ(j["service_name"], "cache");
  EXPECT_EQ(j["service_type"], "redis");
  EXPECT_EQ(j["operation"], "get");
  EXPECT_EQ(j["command"], "GET");
  EXPECT_EQ(j["parameters"], (nlohmann::json{{"keys", {"user:1"}}, {"arg_count", 1}}));
  EXPECT_EQ(j["duration"], 1'500'000);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1.5);
  EXPECT_EQ(j["status"], "success");
  EXPECT_FALSE(j.contains("response"));
  EXPECT_FALSE(j.contains("error"));
  e.success = false;
  e.error = "WRONGTYPE";
  EXPECT_EQ(ActivityLog::to_json(e)["status"], "error");
  EXPECT_EQ(ActivityLog::to_json(e)["error"], "WRONGTYPE");
}

TEST(ActivityLog, TruncateKeepsUtf8Whole) {
  EXPECT_EQ(ActivityLog::truncate("short", 10), "short");
  EXPECT_EQ(ActivityLog::truncate("abcdef", 3), "abc\xE2\x80\xA6");
  // "é" is two bytes: cutting after its first byte backs up before it.
  EXPECT_EQ(ActivityLog::truncate("a\xC3\xA9z", 2), "a\xE2\x80\xA6");
}

// ---- what a Redis command leaves in the log ---------------------------------------------

constexpr const char* kValue = "distinctive-value-4f1c9a";
constexpr const char* kPassword = "hunter2-password-b81e";

std::string dump(const ActivityEntry& e) { return ActivityLog::to_json(e).dump(); }

TEST(RedisActivity, KeyNamesOnlyByDefault) {
  ActivityEntry e;
  describe_redis_command({"SET", "user:1", kValue, "EX", "60"}, {}, e);
  EXPECT_EQ(e.command, "SET");
  EXPECT_EQ(e.keys, std::vector<std::string>{"user:1"});
  EXPECT_EQ(e.arg_count, 4u);
  EXPECT_TRUE(e.values.empty());
  EXPECT_EQ(dump(e).find(kValue), std::string::npos);

  ActivityEntry m;
  describe_redis_command({"mset", "a", kValue, "b", kValue}, {}, m);
  EXPECT_EQ(m.command, "MSET");
  EXPECT_EQ(m.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dump(m).find(kValue), std::string::npos);

  ActivityEntry d;
  describe_redis_command({"DEL", "a", "b", "c"}, {}, d);
  EXPECT_EQ(d.keys, (std::vector<std::string>{"a", "b", "c"}));

  // An unknown command: no argument is taken for a key name, nothing is kept.
  ActivityEntry u;
  describe_redis_command({"XSOMETHING", kValue}, {}, u);
  EXPECT_TRUE(u.keys.empty());
  EXPECT_EQ(u.arg_count, 1u);
  EXPECT_EQ(dump(u).find(kValue), std::string::npos);
}

TEST(RedisActivity, ValuesOnlyWhenAskedAndTruncated) {
  ActivityOptions options{.capacity = 10, .store_values = true, .value_max_bytes = 8};
  ActivityEntry e;
  describe_redis_command({"SET", "user:1", kValue}, options, e);
  ASSERT_EQ(e.values.size(), 1u);
  EXPECT_EQ(e.values[0], std::string(kValue).substr(0, 8) + "\xE2\x80\xA6");
  EXPECT_EQ(dump(e).find(kValue), std::string::npos);
}

TEST(RedisActivity, CredentialsAreNeverStored) {
  ActivityOptions options{.capacity = 10, .store_values = true, .value_max_bytes = 1024};
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"AUTH", "app", kPassword},
        std::vector<std::string>{"config", "set", "requirepass", kPassword},
        std::vector<std::string>{"HELLO", "3", "AUTH", "app", kPassword},
        std::vector<std::string>{"ACL", "SETUSER", "app", std::string(">") + kPassword}}) {
    ActivityEntry e;
    describe_redis_command(argv, options, e);
    EXPECT_TRUE(e.redacted) << argv[0];
    EXPECT_EQ(dump(e).find(kPassword), std::string::npos) << argv[0];
  }
  ActivityEntry t;
  describe_redis_commands({{"MULTI"}, {"CONFIG", "SET", "requirepass", kPassword}, {"EXEC"}},
                          options, t);
  EXPECT_EQ(t.command, "MULTI CONFIG EXEC");
  EXPECT_TRUE(t.redacted);
  EXPECT_EQ(dump(t).find(kPassword), std::string::npos);
}

TEST(RedisActivity, TransactionsListTheirCommandsAndKeys) {
  ActivityEntry t;
  describe_redis_commands(
      {{"WATCH", "w"}, {"MULTI"}, {"SET", "a", kValue}, {"INCR", "n"}, {"EXEC"}}, {}, t);
  EXPECT_EQ(t.command, "WATCH MULTI SET INCR EXEC");
  EXPECT_EQ(t.keys, (std::vector<std::string>{"w", "a", "n"}));
  EXPECT_EQ(dump(t).find(kValue), std::string::npos);
}

TEST(RedisActivity, KeySpecLookup) {
  ASSERT_TRUE(redis_key_spec("APPEND"));  // first of the table
  ASSERT_TRUE(redis_key_spec("ZREM"));    // last
  EXPECT_EQ(redis_key_spec("MSET")->step, 2);
  EXPECT_EQ(redis_key_spec("DEL")->last, -1);
  EXPECT_FALSE(redis_key_spec("AAA"));
  EXPECT_FALSE(redis_key_spec("ZZZ"));
  EXPECT_FALSE(redis_key_spec("get"));  // upper case only
  EXPECT_FALSE(redis_key_spec(""));
}

TEST(RedisActivity, ListsAreBounded) {
  std::vector<std::string> argv{"MGET"};
  for (int i = 0; i < 100; ++i) argv.push_back("k" + std::to_string(i));
  ActivityEntry e;
  describe_redis_command(argv, {}, e);
  EXPECT_EQ(e.keys.size(), kMaxActivityItems);
  EXPECT_EQ(e.arg_count, 100u);
  ActivityEntry big;
  describe_redis_command({"GET", std::string(10'000, 'k')}, {}, big);
  EXPECT_LE(big.keys.at(0).size(), kMaxActivityKeyBytes + 3);
}

}  // namespace
}  // namespace throome::monitor
