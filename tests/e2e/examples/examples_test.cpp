// The examples run as a user runs them, against the real daemon in front of a real
// redis-server, PostgreSQL and Kafka-protocol broker: the curl walkthrough (bash), the Python
// script (standard library only) and the C++ program, built with find_package(throome) against
// an install of this build into a temporary prefix.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/data_stack.hpp"

namespace throome::testing {
namespace {

using nlohmann::json;

class Examples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new DataStack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  static std::string example(const std::string& path) {
    return std::string(THROOME_SOURCE_DIR) + "/examples/" + path;
  }
  static bool on_path(const std::string& tool) {
    return run_command({"sh", "-c", "command -v " + tool}).exit_code == 0;
  }
  static DataStack* stack_;
};
DataStack* Examples::stack_ = nullptr;

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "missing: " << what << "\nin:\n" << out;
}

TEST_F(Examples, CurlWalkthrough) {
  if (!on_path("curl")) GTEST_FAIL() << "curl is required (scripts/install-deps.sh installs it)";
  auto r = run_command({"bash", example("curl/walkthrough.sh"), stack_->url(), DataStack::kCluster},
                       {{"THROOME_TOKEN", "walkthrough-secret"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& out = r.out;
  expect_contains(out, "== 1. Is the gateway up?");
  expect_contains(out, "\"status\":\"healthy\"");
  expect_contains(out, "== 3. Read it back");
  expect_contains(out, "{\"found\":true,\"value\":\"hello from curl\"}");
  expect_contains(out, "{\"found\":false,\"value\":null}");
  expect_contains(out, "\"greeting\":\"hello from SQL\"");
  expect_contains(out, "\"answer\":42");
  expect_contains(out, "\"topic\":\"walkthrough\"");
  expect_contains(out, "\"topic\":\"walkthrough\",\"value\":\"hello from curl\"");
  expect_contains(out, "Authorization: Bearer $THROOME_TOKEN");  // shown, not expanded
  EXPECT_EQ(out.find("walkthrough-secret"), std::string::npos);
  // What the script did is really in the backends.
  EXPECT_EQ(stack_->redis().cli({"GET", "walkthrough:greeting"}), "hello from curl");
  auto records = kcat_consume(stack_->kafka().bootstrap(), "walkthrough");
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().value, "hello from curl");
  EXPECT_EQ(records.back().key, "user-1");
}

TEST_F(Examples, CurlWalkthroughStopsAtTheFirstError) {
  auto r = run_command({"bash", example("curl/walkthrough.sh"), stack_->url(), "no-such-cluster"});
  EXPECT_EQ(r.exit_code, 1);
  expect_contains(r.out, "not found");
  expect_contains(r.err, "walkthrough: step 2 failed with HTTP 404");
}

TEST_F(Examples, PythonQuickstart) {
  if (!on_path("python3")) GTEST_SKIP() << "python3 is not installed";
  auto r =
      run_command({"python3", example("python/quickstart.py"), stack_->url(), DataStack::kCluster});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_contains(r.out, "health: healthy\n");
  expect_contains(r.out, "cache: python:greeting = hello from Python ✓\n");
  expect_contains(r.out, "cache: python:missing = None\n");
  expect_contains(r.out, "db: [{\"answer\": 42, \"greeting\": \"hi\"}]\n");
  expect_contains(r.out, "queue: published to partition ");
  expect_contains(r.out, "queue: read 1 record(s), last value 'hello from Python'\n");
  expect_contains(r.out, "error: cluster \"no-such-cluster\" not found (HTTP 404)\n");
  EXPECT_EQ(stack_->redis().cli({"GET", "python:greeting"}), "hello from Python ✓");
}

TEST_F(Examples, CppProgramBuildsAgainstTheInstalledPackage) {
  TempDir work;
  const auto prefix = work.path() / "prefix";
  auto install =
      run_command({"cmake", "--install", THROOME_BINARY_DIR, "--prefix", prefix.string()});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  ASSERT_TRUE(std::filesystem::exists(prefix / "include/throome/client.hpp"));
  ASSERT_TRUE(
      std::filesystem::exists(prefix / "lib/cmake/throome/throomeConfig.cmake") ||
      std::filesystem::exists(prefix / "lib/x86_64-linux-gnu/cmake/throome/throomeConfig.cmake"));

  const auto build = work.path() / "build";
  std::vector<std::string> configure{"cmake",
                                     "-S",
                                     example("cpp"),
                                     "-B",
                                     build.string(),
                                     "-DCMAKE_PREFIX_PATH=" + prefix.string(),
                                     "-DCMAKE_BUILD_TYPE=Release",
                                     "-DCMAKE_CXX_COMPILER=" THROOME_CXX_COMPILER};
  const std::string flags = THROOME_EXAMPLE_FLAGS;
  if (!flags.empty()) {
    configure.push_back("-DCMAKE_CXX_FLAGS=" + flags);
    configure.push_back("-DCMAKE_EXE_LINKER_FLAGS=" + flags);
  }
  auto configured = run_command(configure);
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  auto built = run_command({"cmake", "--build", build.string()});
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;

  auto r =
      run_command({(build / "throome_quickstart").string(), stack_->url(), DataStack::kCluster});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("health: healthy\n", 0), 0u) << r.out;
  expect_contains(r.out, "cache: quickstart:greeting = hello from C++\n");
  expect_contains(r.out, "db: 1 row: {\"answer\":42}\n");
  expect_contains(r.out, "queue: published to quickstart-orders partition ");
  expect_contains(r.out, "error: cluster \"no-such-cluster\" not found (HTTP 404)\n");
  expect_contains(r.out, "async: quickstart:greeting = hello from C++\n");
  auto records = kcat_consume(stack_->kafka().bootstrap(), "quickstart-orders");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "{\"order\": 1}");
}

}  // namespace
}  // namespace throome::testing
