// docs/openapi.yaml against the daemon's real route table: every route the daemon registers
// is documented and every documented operation is served, and the documented error shape is
// the one http::error_response builds.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"
#include "throome/api/api.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/config/env.hpp"
#include "throome/http/error_response.hpp"
#include "throome/http/route_table.hpp"

namespace throome::api {
namespace {

using Route = std::pair<std::string, std::string>;  // (METHOD, path template)

constexpr const char* kErrorSchemaRef = "#/components/schemas/Error";

const std::set<std::string> kOperationKeys = {"get", "put", "post", "delete", "patch", "trace"};
// Served implicitly by the dispatcher for every path (HEAD falls back to GET, OPTIONS is
// the CORS preflight): not part of the route table.
const std::set<std::string> kImplicitKeys = {"head", "options"};

std::string spec_path() { return std::string(THROOME_SOURCE_DIR) + "/docs/openapi.yaml"; }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// OpenAPI has no rest-of-path parameter: the spec writes the route "{key...}" as "{key}".
std::string openapi_template(const std::string& route_template) {
  return std::regex_replace(route_template, std::regex(R"(\{([^}]*)\.\.\.\})"), "{$1}");
}

std::string describe(const std::set<Route>& routes) {
  std::ostringstream out;
  for (const auto& [method, path] : routes) out << "\n    " << method << " " << path;
  return routes.empty() ? std::string(" (none)") : out.str();
}

// The route table exactly as the daemon builds it: through api::Api (without backends: only
// the routes matter here).
class OpenApiTest : public ::testing::Test {
 protected:
  OpenApiTest()
      : store_(tmp_.path() / "clusters"),
        manager_(store_, registry_, config::process_env()),
        api_(manager_, admin_pool_, ready_) {
    api_.register_routes(routes_);
    spec_ = YAML::LoadFile(spec_path());
  }
  ~OpenApiTest() override { admin_pool_.join(); }

  const YAML::Node& spec() const { return spec_; }

  std::set<Route> served() const {
    std::set<Route> out;
    for (const auto& route : routes_.routes()) {
      if (route.first == "HEAD" || route.first == "OPTIONS") continue;
      out.emplace(route.first, openapi_template(route.second));
    }
    return out;
  }

  std::set<Route> documented() const {
    std::set<Route> out;
    for (const auto& path : spec_["paths"]) {
      for (const auto& entry : path.second) {
        const auto key = entry.first.as<std::string>();
        if (kOperationKeys.count(key) != 0) out.emplace(upper(key), path.first.as<std::string>());
      }
    }
    return out;
  }

  // Follows a local "$ref" ("#/components/responses/X") inside the spec. Only const access
  // and Node::reset(): yaml-cpp's Node::operator= would write through to the document.
  YAML::Node resolve(const YAML::Node& start) const {
    YAML::Node node;
    node.reset(start);
    for (int hops = 0; hops < 8; ++hops) {
      const YAML::Node& current = node;
      if (!current.IsMap() || !current["$ref"]) break;
      const auto ref = current["$ref"].as<std::string>();
      if (ref.rfind("#/", 0) != 0) break;
      YAML::Node target;
      target.reset(spec_);
      std::stringstream parts(ref.substr(2));
      std::string part;
      while (std::getline(parts, part, '/')) {
        const YAML::Node& here = target;
        if (!here.IsMap()) return YAML::Node();
        YAML::Node next = here[part];
        if (!next) return YAML::Node();
        target.reset(next);
      }
      node.reset(target);
    }
    return node;
  }

  // True when `schema` is, or offers through oneOf/anyOf/allOf, the shared Error schema.
  static bool uses_error_schema(const YAML::Node& schema) {
    if (!schema.IsMap()) return false;
    if (schema["$ref"] && schema["$ref"].as<std::string>() == kErrorSchemaRef) return true;
    for (const char* key : {"oneOf", "anyOf", "allOf"}) {
      if (!schema[key] || !schema[key].IsSequence()) continue;
      for (const auto& item : schema[key]) {
        if (uses_error_schema(item)) return true;
      }
    }
    return false;
  }

  throome::testing::TempDir tmp_;
  cluster::Store store_;
  cluster::Registry registry_;
  cluster::Manager manager_;
  boost::asio::thread_pool admin_pool_{1};
  std::atomic<bool> ready_{false};
  Api api_;
  http::RouteTable routes_;
  YAML::Node spec_;
};

TEST_F(OpenApiTest, IsOpenApi31) {
  ASSERT_TRUE(spec()["openapi"]) << spec_path();
  EXPECT_EQ(spec()["openapi"].as<std::string>(), "3.1.0");
  ASSERT_TRUE(spec()["paths"] && spec()["paths"].IsMap()) << "no paths in " << spec_path();
}

TEST_F(OpenApiTest, DocumentsExactlyTheRoutesTheDaemonServes) {
  const auto served_routes = served();
  const auto documented_routes = documented();
  ASSERT_FALSE(served_routes.empty());

  std::set<Route> undocumented;
  std::set<Route> not_served;
  for (const auto& r : served_routes) {
    if (documented_routes.count(r) == 0) undocumented.insert(r);
  }
  for (const auto& r : documented_routes) {
    if (served_routes.count(r) == 0) not_served.insert(r);
  }
  EXPECT_TRUE(undocumented.empty() && not_served.empty())
      << "docs/openapi.yaml and the daemon's route table disagree.\n"
      << "  served by the daemon but missing from docs/openapi.yaml:" << describe(undocumented)
      << "\n  in docs/openapi.yaml but not served by the daemon:" << describe(not_served);
}

TEST_F(OpenApiTest, OnlyKnownKeysUnderEachPath) {
  const std::set<std::string> allowed = {"parameters", "summary", "description", "servers", "$ref"};
  for (const auto& path : spec()["paths"]) {
    for (const auto& entry : path.second) {
      const auto key = entry.first.as<std::string>();
      EXPECT_TRUE(kOperationKeys.count(key) != 0 || kImplicitKeys.count(key) != 0 ||
                  allowed.count(key) != 0)
          << path.first.as<std::string>() << ": unexpected key \"" << key
          << "\" (a method must be lower case)";
    }
  }
}

TEST_F(OpenApiTest, EveryPathParameterIsDeclared) {
  const std::regex capture(R"(\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\})");
  for (const auto& path : spec()["paths"]) {
    const auto templ = path.first.as<std::string>();
    std::set<std::string> declared;
    auto collect = [&](const YAML::Node& params) {
      if (!params || !params.IsSequence()) return;
      for (const auto& p : params) {
        const YAML::Node param = resolve(p);
        if (param["in"] && param["in"].as<std::string>() == "path") {
          declared.insert(param["name"].as<std::string>());
        }
      }
    };
    collect(path.second["parameters"]);
    for (auto it = std::sregex_iterator(templ.begin(), templ.end(), capture);
         it != std::sregex_iterator(); ++it) {
      EXPECT_EQ(declared.count((*it)[1].str()), 1u)
          << templ << ": path parameter {" << (*it)[1].str() << "} is not declared";
    }
  }
}

TEST_F(OpenApiTest, EveryOperationDocumentsAnErrorWithTheSharedSchema) {
  for (const auto& path : spec()["paths"]) {
    for (const auto& entry : path.second) {
      const auto method = entry.first.as<std::string>();
      if (kOperationKeys.count(method) == 0) continue;
      const auto where = upper(method) + " " + path.first.as<std::string>();
      const YAML::Node responses = entry.second["responses"];
      ASSERT_TRUE(responses && responses.IsMap()) << where << ": no responses";
      int error_responses = 0;
      for (const auto& response : responses) {
        const auto status = response.first.as<std::string>();
        if (status.empty() || (status[0] != '4' && status[0] != '5')) continue;
        const YAML::Node resolved = resolve(response.second);
        ASSERT_TRUE(resolved.IsMap()) << where << " " << status << ": unresolvable $ref";
        const YAML::Node json = resolved["content"]["application/json"];
        if (json && uses_error_schema(json["schema"])) ++error_responses;
      }
      EXPECT_GE(error_responses, 1)
          << where << ": no 4xx/5xx response with the schema " << kErrorSchemaRef;
    }
  }
}

TEST_F(OpenApiTest, ErrorSchemaMatchesWhatErrorResponseBuilds) {
  const YAML::Node schema = spec()["components"]["schemas"]["Error"];
  ASSERT_TRUE(schema && schema.IsMap()) << "components.schemas.Error is missing";

  http::Request req;
  req.request_id = "rid";
  const auto resp = http::error_response(req, Error(Errc::not_found, "x"));
  const auto body = nlohmann::json::parse(resp.body);
  std::set<std::string> built;
  for (const auto& item : body.items()) built.insert(item.key());
  std::set<std::string> properties;
  for (const auto& p : schema["properties"]) properties.insert(p.first.as<std::string>());
  std::set<std::string> required;
  for (const auto& r : schema["required"]) required.insert(r.as<std::string>());
  EXPECT_EQ(properties, built);
  EXPECT_EQ(required, built);

  // Every code the gateway can produce, and nothing else.
  std::set<std::string> codes;
  for (int e = static_cast<int>(Errc::bad_request); e <= static_cast<int>(Errc::storage_failed);
       ++e) {
    codes.insert(std::string(http::errc_name(static_cast<Errc>(e))));
  }
  std::set<std::string> documented_codes;
  for (const auto& c : schema["properties"]["code"]["enum"]) {
    documented_codes.insert(c.as<std::string>());
  }
  EXPECT_EQ(documented_codes, codes);
}

TEST_F(OpenApiTest, DocumentedErrorStatusesMatchTheirCodes) {
  // Each documented error example's status is the one the gateway maps its code to.
  std::map<std::string, int> status_of;
  for (int e = static_cast<int>(Errc::bad_request); e <= static_cast<int>(Errc::storage_failed);
       ++e) {
    const auto code = static_cast<Errc>(e);
    status_of[std::string(http::errc_name(code))] = http::status_for(code);
  }
  for (const auto& response : spec()["components"]["responses"]) {
    const auto name = response.first.as<std::string>();
    const YAML::Node json = response.second["content"]["application/json"];
    if (!json || !uses_error_schema(json["schema"])) continue;
    std::vector<YAML::Node> examples;
    if (json["example"]) examples.push_back(json["example"]);
    if (json["examples"]) {
      for (const auto& ex : json["examples"]) examples.push_back(ex.second["value"]);
    }
    for (const auto& ex : examples) {
      const auto code = ex["code"].as<std::string>();
      ASSERT_EQ(status_of.count(code), 1u) << name << ": unknown code " << code;
      EXPECT_EQ(ex["status"].as<int>(), status_of[code]) << name << ": " << code;
    }
  }
}

}  // namespace
}  // namespace throome::api
