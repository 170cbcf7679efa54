#include "throome/cluster/manager.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"

namespace throome::cluster {
namespace {

namespace fs = std::filesystem;

config::ClusterConfig make_cluster(const std::string& id, const std::string& name,
                                   const std::string& password = "") {
  config::ClusterConfig c;
  c.cluster_id = id;
  c.name = name;
  config::ServiceConfig svc;
  svc.name = "cache";
  svc.type = config::ServiceType::redis;
  svc.host = "127.0.0.1";
  svc.port = 6379;
  svc.password = password;
  c.services.push_back(svc);
  return c;
}

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest()
      : store(tmp.path() / "clusters"), manager(store, registry, env_lookup(), [] {
          return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
        }) {}

  config::EnvLookup env_lookup() {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }

  testing::TempDir tmp;
  std::map<std::string, std::string> env{{"SHOP_PASSWORD", "s3cret"}};
  Store store;
  Registry registry;
  Manager manager;
};

TEST_F(ManagerTest, CreatePersistsStampsAndPublishes) {
  auto created = manager.create(make_cluster("shop", "Shop"));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ((*created)->config().created_at, "2023-11-14T22:13:20Z");
  EXPECT_EQ((*created)->config().updated_at, "2023-11-14T22:13:20Z");
  EXPECT_EQ(registry.find("shop"), *created);
  EXPECT_TRUE(store.exists("shop"));
}

TEST_F(ManagerTest, CreateGeneratesAnIdFromTheNameAndAvoidsCollisions) {
  auto first = manager.create(make_cluster("", "My Shop!"));
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->id(), "my-shop");
  auto second = manager.create(make_cluster("", "My Shop!"));
  ASSERT_TRUE(second);
  EXPECT_TRUE((*second)->id().starts_with("my-shop-"));
  EXPECT_EQ((*second)->id().size(), std::string("my-shop-").size() + 6);
  EXPECT_TRUE(config::is_valid_cluster_id((*second)->id()));
}

TEST_F(ManagerTest, DuplicateIdIsConflictAndChangesNothing) {
  ASSERT_TRUE(manager.create(make_cluster("shop", "First")));
  auto before = testing::snapshot_dir(store.dir());
  auto dup = manager.create(make_cluster("shop", "Second"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), Errc::conflict);
  EXPECT_EQ(registry.find("shop")->config().name, "First");
  EXPECT_EQ(testing::snapshot_dir(store.dir()), before);
}

TEST_F(ManagerTest, EnvReferencesResolveForUseButStayUnresolvedOnDisk) {
  auto created = manager.create(make_cluster("shop", "Shop", "${SHOP_PASSWORD}"));
  ASSERT_TRUE(created);
  EXPECT_EQ((*created)->resolved().services[0].password, "s3cret");
  EXPECT_EQ((*created)->config().services[0].password, "${SHOP_PASSWORD}");
  std::ifstream in(store.file_for("shop"));
  std::string text(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
}

TEST_F(ManagerTest, UnresolvableEnvReferenceFailsCreateAndWritesNothing) {
  auto r = manager.create(make_cluster("shop", "Shop", "${MISSING_VAR}"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::validation_failed);
  EXPECT_NE(r.error().message().find("MISSING_VAR"), std::string::npos);
  EXPECT_FALSE(store.exists("shop"));
  EXPECT_EQ(registry.find("shop"), nullptr);
}

TEST_F(ManagerTest, UpdateKeepsCreatedAtAndRedactedPasswords) {
  ASSERT_TRUE(manager.create(make_cluster("shop", "Shop", "p4ss")));
  auto next = make_cluster("", "Renamed", std::string(config::kRedacted));
  auto updated = manager.update("shop", next);
  ASSERT_TRUE(updated) << updated.error().message();
  EXPECT_EQ((*updated)->config().name, "Renamed");
  EXPECT_EQ((*updated)->config().services[0].password, "p4ss");
  EXPECT_EQ((*updated)->config().created_at, "2023-11-14T22:13:20Z");
  auto reloaded = store.load_all();
  ASSERT_EQ(reloaded.clusters.size(), 1u);
  EXPECT_EQ(reloaded.clusters[0].config.name, "Renamed");
}

TEST_F(ManagerTest, UpdateRejectsUnknownIdsAndMismatchedBodies) {
  EXPECT_EQ(manager.update("nope", make_cluster("", "X")).error().code(), Errc::not_found);
  ASSERT_TRUE(manager.create(make_cluster("shop", "Shop")));
  auto r = manager.update("shop", make_cluster("other", "X"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::bad_request);
  EXPECT_EQ(registry.find("shop")->config().name, "Shop");
}

TEST_F(ManagerTest, RemoveDeletesFromDiskAndRegistry) {
  ASSERT_TRUE(manager.create(make_cluster("shop", "Shop")));
  ASSERT_TRUE(manager.remove("shop"));
  EXPECT_EQ(registry.find("shop"), nullptr);
  EXPECT_FALSE(store.exists("shop"));
  EXPECT_EQ(manager.remove("shop").error().code(), Errc::not_found);
}

TEST_F(ManagerTest, LoadRestoresEverythingAndSkipsBrokenFiles) {
  ASSERT_TRUE(manager.create(make_cluster("a", "A")));
  ASSERT_TRUE(manager.create(make_cluster("b", "B")));
  fs::create_directories(store.dir() / "broken");
  std::ofstream(store.dir() / "broken" / "config.yaml") << "name: [";

  Registry fresh;
  Manager restarted(store, fresh, env_lookup());
  auto summary = restarted.load();
  EXPECT_EQ(summary.loaded, 2u);
  ASSERT_EQ(summary.failures.size(), 1u);
  EXPECT_EQ(restarted.last_failures().size(), 1u);
  EXPECT_EQ(fresh.find("a")->config(), registry.find("a")->config());
  EXPECT_NE(fresh.find("b"), nullptr);
}

TEST_F(ManagerTest, ReloadKeepsUnchangedInstancesAndAppliesChanges) {
  ASSERT_TRUE(manager.create(make_cluster("keep", "Keep")));
  ASSERT_TRUE(manager.create(make_cluster("change", "Before")));
  ASSERT_TRUE(manager.create(make_cluster("gone", "Gone")));
  ASSERT_TRUE(manager.create(make_cluster("breaks", "Breaks")));
  auto keep = registry.find("keep");

  auto changed = registry.find("change")->config();
  changed.name = "After";
  ASSERT_TRUE(store.save(changed));
  ASSERT_TRUE(store.remove("gone"));
  std::ofstream(store.file_for("breaks"), std::ios::trunc) << "services: {";
  auto added = make_cluster("added", "Added");
  ASSERT_TRUE(store.save(added));

  auto summary = manager.reload();
  EXPECT_EQ(summary.failures.size(), 1u);
  EXPECT_EQ(registry.find("keep"), keep) << "unchanged clusters keep their instance";
  EXPECT_EQ(registry.find("change")->config().name, "After");
  EXPECT_EQ(registry.find("gone"), nullptr);
  EXPECT_EQ(registry.find("added")->config().name, "Added");
  ASSERT_NE(registry.find("breaks"), nullptr) << "a broken file keeps the running version";
  EXPECT_EQ(registry.find("breaks")->config().name, "Breaks");
}

}  // namespace
}  // namespace throome::cluster
