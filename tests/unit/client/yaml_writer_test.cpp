#include "throome/client/yaml_writer.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace throome::client {
namespace {

using nlohmann::json;

/// Reads YAML back into JSON the way a YAML 1.2 reader resolves plain scalars (quoted
/// scalars stay strings), to check that json_to_yaml round-trips.
json read_back(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = read_back(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(read_back(item));
      return out;
    }
    case YAML::NodeType::Null:
      return nullptr;
    default:
      break;
  }
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null") return nullptr;
  auto number = json::parse(text, nullptr, false);
  if (!number.is_discarded() && number.is_number()) return number;
  if (text == "{}") return json::object();
  if (text == "[]") return json::array();
  return text;
}

json round_trip(const json& value) { return read_back(YAML::Load(json_to_yaml(value))); }

TEST(YamlWriterTest, WritesNestedMapsAndSequences) {
  const json doc = json::parse(R"({
    "id": "shop-01",
    "config": {"services": {"cache": {"type": "redis", "port": 6379, "healthy": true}},
               "ai": {"features": ["latency", "load"], "enabled": false}},
    "warnings": [],
    "extra": {}
  })");
  EXPECT_EQ(json_to_yaml(doc),
            "config:\n"
            "  ai:\n"
            "    enabled: false\n"
            "    features:\n"
            "      - latency\n"
            "      - load\n"
            "  services:\n"
            "    cache:\n"
            "      healthy: true\n"
            "      port: 6379\n"
            "      type: redis\n"
            "extra: {}\n"
            "id: shop-01\n"
            "warnings: []\n");
  EXPECT_EQ(round_trip(doc), doc);
}

TEST(YamlWriterTest, WritesSequencesOfMapsAndOfSequences) {
  const json doc = json::parse(R"([{"path": "a", "message": "m"}, [1, [2]], {}, null, 1.5])");
  EXPECT_EQ(json_to_yaml(doc),
            "- message: m\n"
            "  path: a\n"
            "- - 1\n"
            "  - - 2\n"
            "- {}\n"
            "- null\n"
            "- 1.5\n");
  EXPECT_EQ(round_trip(doc), doc);
}

TEST(YamlWriterTest, QuotesStringsThatWouldReadAsSomethingElse) {
  for (const char* s : {"",
                        "true",
                        "No",
                        "off",
                        "null",
                        "~",
                        "123",
                        "0.1.0",
                        "1e3",
                        "127.0.0.1",
                        "2025-01-01T00:00:00Z",
                        "a: b",
                        "a #b",
                        "-x",
                        "- x",
                        " lead",
                        "trail ",
                        "line\nbreak",
                        "quote\"d",
                        "*alias",
                        "&anchor",
                        "!tag",
                        "@x",
                        "%x",
                        "{x}",
                        "[x]",
                        ".inf",
                        "caf\xC3\xA9",
                        "x:y",
                        "'s"}) {
    EXPECT_FALSE(is_plain_yaml_safe(s)) << s;
    const json doc = {{"k", s}};
    EXPECT_EQ(round_trip(doc), doc) << json_to_yaml(doc);
  }
  EXPECT_EQ(json_to_yaml(json{{"v", "0.1.0"}}), "v: \"0.1.0\"\n");
  EXPECT_EQ(json_to_yaml(json{{"v", "a\nb"}}), "v: \"a\\nb\"\n");
}

TEST(YamlWriterTest, LeavesOrdinaryWordsPlain) {
  for (const char* s : {"redis", "round_robin", "shop-01", "localhost", "db.local", "Shop A",
                        "/var/run/x.sock", "user@example.com", "healthy"}) {
    EXPECT_TRUE(is_plain_yaml_safe(s)) << s;
  }
  EXPECT_EQ(json_to_yaml(json{{"name", "Shop A"}}), "name: Shop A\n");
}

TEST(YamlWriterTest, QuotesKeysWhenNeeded) {
  const json doc = {{"1", "a"}, {"a b", 1}, {"yes", 2}};
  EXPECT_EQ(json_to_yaml(doc), "\"1\": a\na b: 1\n\"yes\": 2\n");
  EXPECT_EQ(round_trip(doc), doc);
}

TEST(YamlWriterTest, WritesTopLevelScalarsAndEmptyContainers) {
  EXPECT_EQ(json_to_yaml(json(42)), "42\n");
  EXPECT_EQ(json_to_yaml(json("x y")), "x y\n");
  EXPECT_EQ(json_to_yaml(json::array()), "[]\n");
  EXPECT_EQ(json_to_yaml(json::object()), "{}\n");
  EXPECT_EQ(json_to_yaml(json(nullptr)), "null\n");
}

}  // namespace
}  // namespace throome::client
