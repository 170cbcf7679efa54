#include "throome/cluster/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace throome::cluster {
namespace {

ClusterPtr make(const std::string& id, const std::string& name) {
  config::ClusterConfig c;
  c.cluster_id = id;
  c.name = name;
  return std::make_shared<const Cluster>(c, c);
}

TEST(Registry, StartsEmpty) {
  Registry r;
  EXPECT_TRUE(r.snapshot()->clusters.empty());
  EXPECT_EQ(r.find("x"), nullptr);
}

TEST(Registry, UpsertEraseAndReplaceAllPublishNewSnapshots) {
  Registry r;
  auto before = r.snapshot();
  r.upsert(make("a", "A1"));
  r.upsert(make("b", "B"));
  r.upsert(make("a", "A2"));
  EXPECT_EQ(r.find("a")->config().name, "A2");
  EXPECT_TRUE(before->clusters.empty()) << "old snapshots are immutable";
  EXPECT_TRUE(r.erase("a"));
  EXPECT_FALSE(r.erase("a"));
  EXPECT_EQ(r.find("a"), nullptr);
  r.replace_all({make("x", "X"), make("y", "Y")});
  auto s = r.snapshot();
  ASSERT_EQ(s->clusters.size(), 2u);
  EXPECT_EQ(s->find("b"), nullptr);
  EXPECT_EQ(s->version, 6u);
}

TEST(Registry, ReadersSeeConsistentSnapshotsWhileWritersSwap) {
  Registry r;
  constexpr int kWrites = 2000;
  std::atomic<bool> done{false};
  std::atomic<long> reads{0};
  std::atomic<int> violations{0};

  // Each write replaces both clusters with the same generation number in their names, so a
  // snapshot that mixes generations would reveal a torn update.
  std::atomic<int> started{0};
  auto writer = std::thread([&] {
    while (started.load() < 4) std::this_thread::yield();  // readers are running first
    for (int i = 1; i <= kWrites; ++i) {
      r.replace_all({make("a", std::to_string(i)), make("b", std::to_string(i))});
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      std::uint64_t last_version = 0;
      ++started;
      do {
        auto s = r.snapshot();
        if (s->version < last_version) ++violations;
        last_version = s->version;
        auto a = s->find("a");
        auto b = s->find("b");
        if ((a == nullptr) != (b == nullptr)) ++violations;
        if (a && b && a->config().name != b->config().name) ++violations;
        if (a && a->id() != "a") ++violations;
        ++reads;
      } while (!done.load());
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(r.find("a")->config().name, std::to_string(kWrites));
  EXPECT_EQ(r.snapshot()->version, static_cast<std::uint64_t>(kWrites));
}

}  // namespace
}  // namespace throome::cluster
