#include "throome/cluster/store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "support/process.hpp"

namespace throome::cluster {
namespace {

namespace fs = std::filesystem;

config::ClusterConfig make_cluster(const std::string& id, const std::string& name) {
  config::ClusterConfig c;
  c.cluster_id = id;
  c.name = name;
  config::ServiceConfig svc;
  svc.name = "cache";
  svc.type = config::ServiceType::redis;
  svc.host = "127.0.0.1";
  svc.port = 6379;
  svc.password = "${CACHE_PASSWORD}";
  c.services.push_back(svc);
  c.created_at = "2025-01-01T00:00:00Z";
  c.updated_at = "2025-01-01T00:00:00Z";
  return c;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class StoreTest : public ::testing::Test {
 protected:
  testing::TempDir tmp;
  fs::path dir = tmp.path() / "clusters";
};

TEST_F(StoreTest, SaveThenLoadRoundTripsWithEnvReferencesUnresolved) {
  Store store(dir);
  auto c = make_cluster("shop", "Shop");
  ASSERT_TRUE(store.save(c));
  auto report = store.load_all();
  ASSERT_EQ(report.failures.size(), 0u);
  ASSERT_EQ(report.clusters.size(), 1u);
  EXPECT_EQ(report.clusters[0].config, c);
  EXPECT_NE(read(store.file_for("shop")).find("${CACHE_PASSWORD}"), std::string::npos);
}

TEST_F(StoreTest, FilesAre0600AndDirectories0700) {
  Store store(dir);
  ASSERT_TRUE(store.save(make_cluster("shop", "Shop")));
  struct stat st {};
  ASSERT_EQ(::stat(store.file_for("shop").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "shop").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(StoreTest, CrashBetweenWriteAndRenameLeavesTheOldFile) {
  Store store(dir);
  ASSERT_TRUE(store.save(make_cluster("shop", "Old name")));
  const std::string before = read(store.file_for("shop"));

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child dies exactly after the new content is written and fsynced, before rename.
    store.set_fault_hook([](std::string_view stage) {
      if (stage == "before_rename") ::_exit(42);
    });
    (void)store.save(make_cluster("shop", "New name"));
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 42) << "the crash point was not reached";

  EXPECT_EQ(read(store.file_for("shop")), before);
  // The interrupted write left its temp file behind...
  int temps = 0;
  for (const auto& e : fs::directory_iterator(dir / "shop")) {
    if (e.path().filename().string().starts_with(".config.yaml.tmp-")) ++temps;
  }
  EXPECT_EQ(temps, 1);
  // ...which loading ignores and cleans up; the old cluster is what loads.
  auto report = store.load_all();
  ASSERT_EQ(report.clusters.size(), 1u);
  EXPECT_EQ(report.clusters[0].config.name, "Old name");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "shop"), fs::directory_iterator()), 1);
}

TEST_F(StoreTest, BrokenFileIsReportedSkippedAndNeverModified) {
  Store store(dir);
  ASSERT_TRUE(store.save(make_cluster("good", "Good")));
  fs::create_directories(dir / "bad");
  const std::string broken = "name: Bad\nservices: [unterminated\n";
  std::ofstream(dir / "bad" / "config.yaml") << broken;
  fs::create_directories(dir / "invalid");
  std::ofstream(dir / "invalid" / "config.yaml")
      << "name: X\nservices:\n  db: {type: postgres, host: h, port: 70000}\n";

  auto report = store.load_all();
  ASSERT_EQ(report.clusters.size(), 1u);
  EXPECT_EQ(report.clusters[0].config.cluster_id, "good");
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].file, dir / "bad" / "config.yaml");
  EXPECT_NE(report.failures[0].reason.find("line"), std::string::npos) << report.failures[0].reason;
  EXPECT_EQ(report.failures[1].reason, "services.db.port: must be between 1 and 65535");
  EXPECT_EQ(read(dir / "bad" / "config.yaml"), broken);
}

TEST_F(StoreTest, IdMustMatchDirectoryAndDirectoryMustBeAValidId) {
  Store store(dir);
  fs::create_directories(dir / "one");
  std::ofstream(dir / "one" / "config.yaml")
      << "cluster_id: two\nname: X\nservices:\n  c: {type: redis, host: h, port: 1}\n";
  fs::create_directories(dir / "Bad Name");
  std::ofstream(dir / "Bad Name" / "config.yaml")
      << "name: X\nservices:\n  c: {type: redis, host: h, port: 1}\n";
  fs::create_directories(dir / "noid");
  std::ofstream(dir / "noid" / "config.yaml")
      << "name: X\nservices:\n  c: {type: redis, host: h, port: 1}\n";

  auto report = store.load_all();
  ASSERT_EQ(report.clusters.size(), 1u);
  EXPECT_EQ(report.clusters[0].config.cluster_id, "noid");  // taken from the directory
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].reason, "directory name is not a valid cluster id");
  EXPECT_EQ(report.failures[1].reason, "cluster_id \"two\" does not match its directory \"one\"");
}

TEST_F(StoreTest, RemoveDeletesAndUnknownIsNotFound) {
  Store store(dir);
  ASSERT_TRUE(store.save(make_cluster("shop", "Shop")));
  ASSERT_TRUE(store.remove("shop"));
  EXPECT_FALSE(store.exists("shop"));
  EXPECT_TRUE(fs::is_empty(dir));
  auto again = store.remove("shop");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::not_found);
  EXPECT_EQ(store.remove("../etc").error().code(), Errc::not_found);
}

TEST_F(StoreTest, InterruptedDeleteIsFinishedAtLoad) {
  Store store(dir);
  ASSERT_TRUE(store.save(make_cluster("shop", "Shop")));
  fs::rename(dir / "shop", dir / ".deleted-shop-123");
  auto report = store.load_all();
  EXPECT_TRUE(report.clusters.empty());
  EXPECT_TRUE(report.failures.empty());
  EXPECT_FALSE(fs::exists(dir / ".deleted-shop-123"));
}

TEST_F(StoreTest, SaveRejectsIdsThatEscapeTheDirectory) {
  Store store(dir);
  auto c = make_cluster("../x", "X");
  auto r = store.save(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::bad_request);
  EXPECT_TRUE(fs::is_empty(dir));
  EXPECT_FALSE(fs::exists(tmp.path() / "x"));
}

TEST_F(StoreTest, SaveReportsStorageFailureWithTheOsReason) {
  Store store(dir);
  std::ofstream(dir / "shop") << "a file where the cluster directory should be";
  auto r = store.save(make_cluster("shop", "Shop"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::storage_failed);
  EXPECT_NE(r.error().details().get<std::string>().find("Not a directory"), std::string::npos)
      << r.error().details();
}

}  // namespace
}  // namespace throome::cluster
