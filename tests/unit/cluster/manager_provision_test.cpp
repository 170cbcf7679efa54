// The Manager's use of a Provisioner: what it chose is stored, a failed store rolls the start
// back, and delete / update / reload stop what is no longer provisioned.
#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"
#include "throome/cluster/manager.hpp"

namespace throome::cluster {
namespace {

struct FakeProvisioner final : provision::Provisioner {
  int next_port = 41000;
  std::optional<Error> fail;
  std::vector<std::string> calls;
  std::vector<provision::Started> rolled_back;
  std::vector<std::pair<std::string, std::vector<std::string>>> retained;
  std::vector<bool> retained_remove;

  Result<std::vector<provision::Started>> start(config::ClusterConfig& written,
                                                config::ClusterConfig& resolved) override {
    calls.push_back("start " + written.cluster_id);
    if (fail) return *fail;
    std::vector<provision::Started> started;
    for (std::size_t i = 0; i < written.services.size(); ++i) {
      auto& w = written.services[i];
      if (!w.provision) continue;
      if (w.port == 0) {
        w.port = resolved.services[i].port = next_port++;
        started.push_back({w.name, true});
      }
      if (w.password.empty()) w.password = resolved.services[i].password = "generated";
    }
    return started;
  }
  void rollback(std::string_view id, const std::vector<provision::Started>& s) override {
    calls.push_back("rollback " + std::string(id));
    rolled_back = s;
  }
  void retain(std::string_view id, const std::vector<std::string>& keep,
              bool remove_data) override {
    calls.push_back("retain " + std::string(id));
    retained.emplace_back(std::string(id), keep);
    retained_remove.push_back(remove_data);
  }
  void stop_all() override {}
  std::shared_ptr<kafka::DevBroker> dev_broker(std::string_view, std::string_view) const override {
    return nullptr;
  }
};

config::ClusterConfig provisioned(const std::string& id) {
  config::ClusterConfig c;
  c.cluster_id = id;
  c.name = id;
  config::ServiceConfig cache;
  cache.name = "cache";
  cache.type = config::ServiceType::redis;
  cache.provision = true;
  cache.host = "127.0.0.1";
  c.services.push_back(cache);
  config::ServiceConfig plain;
  plain.name = "other";
  plain.type = config::ServiceType::redis;
  plain.host = "10.0.0.1";
  plain.port = 6379;
  c.services.push_back(plain);
  return c;
}

class ManagerProvisionTest : public ::testing::Test {
 protected:
  ManagerProvisionTest()
      : store(tmp.path() / "clusters"),
        fake(std::make_shared<FakeProvisioner>()),
        manager(
            store, registry, [](const std::string&) { return std::optional<std::string>(); }, {},
            nullptr, fake) {}

  testing::TempDir tmp;
  Store store;
  Registry registry;
  std::shared_ptr<FakeProvisioner> fake;
  Manager manager;
};

TEST_F(ManagerProvisionTest, CreateStoresWhatTheProvisionerChose) {
  auto created = manager.create(provisioned("p"));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ((*created)->config().services[0].port, 41000);
  EXPECT_EQ((*created)->resolved().services[0].password, "generated");
  auto loaded = store.load_all();
  ASSERT_EQ(loaded.clusters.size(), 1u);
  EXPECT_EQ(loaded.clusters[0].config.services[0].port, 41000);
  EXPECT_EQ(loaded.clusters[0].config.services[0].password, "generated");
}

TEST_F(ManagerProvisionTest, FailedStartWritesNothing) {
  fake->fail = Error(Errc::backend_unavailable, "redis did not start");
  auto created = manager.create(provisioned("p"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), Errc::backend_unavailable);
  EXPECT_FALSE(store.exists("p"));
  EXPECT_EQ(registry.find("p"), nullptr);
}

TEST_F(ManagerProvisionTest, FailedStoreRollsTheStartBack) {
  // A regular file where the cluster's directory must go: the save fails.
  std::ofstream(store.dir() / "p") << "in the way";
  auto created = manager.create(provisioned("p"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), Errc::storage_failed);
  const std::vector<std::string> calls{"start p", "rollback p"};
  EXPECT_EQ(fake->calls, calls);
  const std::vector<provision::Started> started{{"cache", true}};
  EXPECT_EQ(fake->rolled_back, started);
  EXPECT_EQ(registry.find("p"), nullptr);
}

TEST_F(ManagerProvisionTest, UpdateAndRemoveStopWhatIsNoLongerProvisioned) {
  ASSERT_TRUE(manager.create(provisioned("p")));
  auto next = provisioned("p");
  next.services[0].provision = false;  // no longer provisioned
  next.services[0].port = 6380;
  ASSERT_TRUE(manager.update("p", next));
  ASSERT_EQ(fake->retained.size(), 1u);
  EXPECT_EQ(fake->retained[0].first, "p");
  EXPECT_TRUE(fake->retained[0].second.empty());
  EXPECT_TRUE(fake->retained_remove[0]);

  ASSERT_TRUE(manager.remove("p"));
  ASSERT_EQ(fake->retained.size(), 2u);
  EXPECT_TRUE(fake->retained[1].second.empty());
  EXPECT_TRUE(fake->retained_remove[1]);
}

TEST_F(ManagerProvisionTest, LoadSavesChosenPortsAndReloadKeepsDataOfRemovedFiles) {
  {
    Store writer(store.dir());
    ASSERT_TRUE(writer.save(provisioned("p")));  // port 0, no password: as written by hand
  }
  auto summary = manager.load();
  EXPECT_EQ(summary.loaded, 1u);
  auto stored = store.load_all();
  ASSERT_EQ(stored.clusters.size(), 1u);
  EXPECT_EQ(stored.clusters[0].config.services[0].port, 41000) << "saved for the next start";

  ASSERT_TRUE(store.remove("p"));
  manager.reload();
  ASSERT_FALSE(fake->retained.empty());
  EXPECT_EQ(fake->retained.back().first, "p");
  EXPECT_TRUE(fake->retained.back().second.empty());
  EXPECT_FALSE(fake->retained_remove.back()) << "a file removed by hand keeps its data";
}

}  // namespace
}  // namespace throome::cluster
