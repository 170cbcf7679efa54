// Every route of the daemon's live route table carries an access decision, and
// docs/openapi.yaml documents the same one (x-throome-access) for each operation.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <cctype>
#include <regex>
#include <string>

#include "support/process.hpp"
#include "throome/api/api.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/config/env.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {
namespace {

using http::Access;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class RouteAccess : public ::testing::Test {
 protected:
  RouteAccess()
      : store_(tmp_.path() / "clusters"),
        manager_(store_, registry_, config::process_env()),
        api_(manager_, admin_pool_, ready_) {
    api_.register_routes(routes_);
  }
  ~RouteAccess() override { admin_pool_.join(); }

  throome::testing::TempDir tmp_;
  cluster::Store store_;
  cluster::Registry registry_;
  cluster::Manager manager_;
  boost::asio::thread_pool admin_pool_{1};
  std::atomic<bool> ready_{false};
  Api api_;
  http::RouteTable routes_;
};

TEST_F(RouteAccess, SpecDocumentsEachRoutesAccess) {
  const YAML::Node spec = YAML::LoadFile(std::string(THROOME_SOURCE_DIR) + "/docs/openapi.yaml");
  const auto entries = routes_.entries();
  ASSERT_FALSE(entries.empty());
  for (const auto& route : entries) {
    const std::string path =
        std::regex_replace(route.path_template, std::regex(R"(\{([^}]*)\.\.\.\})"), "{$1}");
    const YAML::Node op = spec["paths"][path][lower(route.method)];
    ASSERT_TRUE(op.IsMap()) << route.method << " " << path << " is not in the spec";
    ASSERT_TRUE(op["x-throome-access"]) << route.method << " " << path;
    EXPECT_EQ(op["x-throome-access"].as<std::string>(), http::access_name(route.access))
        << route.method << " " << path;
    if (route.access != Access::open && route.access != Access::metrics) {
      ASSERT_TRUE(op["responses"]["401"]) << route.method << " " << path;
      ASSERT_TRUE(op["responses"]["403"]) << route.method << " " << path;
      ASSERT_TRUE(op["responses"]["429"]) << route.method << " " << path;
    }
  }
}

TEST_F(RouteAccess, DataPlaneRoutesActOnACluster) {
  for (const auto& route : routes_.entries()) {
    const bool per_cluster = route.path_template.rfind("/api/v1/clusters/{id}/", 0) == 0;
    const bool data = route.path_template.find("/cache/") != std::string::npos ||
                      route.path_template.find("/db/") != std::string::npos ||
                      route.path_template.find("/queue/") != std::string::npos;
    if (data) {
      EXPECT_TRUE(per_cluster) << route.path_template;
      EXPECT_TRUE(route.access == Access::read || route.access == Access::write)
          << route.method << " " << route.path_template << " is "
          << http::access_name(route.access);
    } else {
      // Nothing else may be reachable by a client key.
      EXPECT_FALSE(route.access == Access::read || route.access == Access::write)
          << route.method << " " << route.path_template;
    }
    // Only liveness, readiness and service info stay open when auth is on.
    if (route.access == Access::open) {
      EXPECT_TRUE(route.path_template == "/" || route.path_template == "/health" ||
                  route.path_template == "/api/v1/health" || route.path_template == "/readyz")
          << route.path_template;
    }
    // Whatever changes clusters is admin-only; a GET never needs more than operate.
    if (route.path_template.rfind("/api/v1/clusters", 0) == 0 && !data && route.method != "GET") {
      EXPECT_EQ(route.access, Access::administer) << route.method << " " << route.path_template;
    }
    if (route.method == "GET") {
      EXPECT_NE(route.access, Access::write) << route.path_template;
      EXPECT_NE(route.access, Access::administer) << route.path_template;
    }
  }
}

TEST_F(RouteAccess, ReadOnlyCacheCallsAreExactlyTheDocumentedReads) {
  const std::vector<std::string> reads = {"get",     "mget",   "exists",   "ttl",       "hget",
                                          "hgetall", "lrange", "smembers", "sismember", "zrange"};
  const std::string prefix = "/api/v1/clusters/{id}/cache/";
  int seen = 0;
  for (const auto& route : routes_.entries()) {
    if (route.method != "POST" || route.path_template.rfind(prefix, 0) != 0) continue;
    const std::string name = route.path_template.substr(prefix.size());
    const bool read = std::find(reads.begin(), reads.end(), name) != reads.end();
    EXPECT_EQ(route.access, read ? Access::read : Access::write) << name;
    ++seen;
  }
  EXPECT_GE(seen, 28);
}

}  // namespace
}  // namespace throome::api
