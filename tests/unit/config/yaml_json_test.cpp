// Private YAML -> JSON conversion (YAML 1.2 core schema).

#include "config/yaml_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace throome::config::detail {
namespace {

using nlohmann::ordered_json;

TEST(PlainScalar, Nulls) {
  for (const char* s : {"", "~", "null", "Null", "NULL"}) {
    EXPECT_TRUE(resolve_plain_scalar(s).is_null()) << s;
  }
}

TEST(PlainScalar, Booleans) {
  for (const char* s : {"true", "True", "TRUE"}) EXPECT_EQ(resolve_plain_scalar(s), true) << s;
  for (const char* s : {"false", "False", "FALSE"}) EXPECT_EQ(resolve_plain_scalar(s), false) << s;
  for (const char* s : {"yes", "no", "on", "off", "y", "n", "tRUE"}) {
    EXPECT_TRUE(resolve_plain_scalar(s).is_string()) << s;
  }
}

TEST(PlainScalar, Integers) {
  EXPECT_EQ(resolve_plain_scalar("0").get<std::int64_t>(), 0);
  EXPECT_EQ(resolve_plain_scalar("6379").get<std::int64_t>(), 6379);
  EXPECT_EQ(resolve_plain_scalar("-7").get<std::int64_t>(), -7);
  EXPECT_EQ(resolve_plain_scalar("+7").get<std::int64_t>(), 7);
  EXPECT_EQ(resolve_plain_scalar("007").get<std::int64_t>(), 7);
  EXPECT_EQ(resolve_plain_scalar("0o17").get<std::int64_t>(), 15);
  EXPECT_EQ(resolve_plain_scalar("0x1F").get<std::int64_t>(), 31);
  EXPECT_TRUE(resolve_plain_scalar("6379").is_number_integer());
  EXPECT_EQ(resolve_plain_scalar("-9223372036854775808").get<std::int64_t>(), INT64_MIN);
  const auto big = resolve_plain_scalar("18446744073709551615");
  EXPECT_TRUE(big.is_number_unsigned());
  EXPECT_EQ(big.get<std::uint64_t>(), UINT64_MAX);
  EXPECT_TRUE(resolve_plain_scalar("99999999999999999999").is_number_float());
}

TEST(PlainScalar, Floats) {
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("1.5").get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("-0.25").get<double>(), -0.25);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar(".5").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("1.").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("1e3").get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("+2.5E-1").get<double>(), 0.25);
  EXPECT_TRUE(resolve_plain_scalar("6379.0").is_number_float());
  EXPECT_EQ(resolve_plain_scalar(".inf").get<double>(), INFINITY);
  EXPECT_EQ(resolve_plain_scalar("-.Inf").get<double>(), -INFINITY);
  EXPECT_TRUE(std::isnan(resolve_plain_scalar(".NaN").get<double>()));
}

TEST(PlainScalar, EverythingElseIsAString) {
  for (const char* s :
       {"2025-01-01T00:00:00Z", "2025-01-01", "1_000", "0x", "0xZZ", "0b101", "1e", "e3", ".", "-",
        "+", "1.2.3", "12:30", "127.0.0.1", "${PORT}", "inf", "nan", "localhost"}) {
    const auto v = resolve_plain_scalar(s);
    ASSERT_TRUE(v.is_string()) << s << " -> " << v.dump();
    EXPECT_EQ(v.get<std::string>(), s);
  }
}

TEST(YamlToJson, KeepsMappingOrderAndTypes) {
  auto tree = yaml_to_json(R"(
z: 1
a: "1"
m: [x, 'y', 2.5, ~, true]
n: {k: v}
block: |
  text
)");
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(tree->dump(), R"({"z":1,"a":"1","m":["x","y",2.5,null,true],"n":{"k":"v"},)"
                          R"("block":"text\n"})");
}

TEST(YamlToJson, EmptyDocumentIsNull) {
  for (const char* text : {"", "   \n", "# comment\n", "---\n", "--- ~\n"}) {
    auto tree = yaml_to_json(text);
    ASSERT_TRUE(tree) << text;
    EXPECT_TRUE(tree->is_null()) << text;
  }
}

TEST(YamlToJson, TaggedScalars) {
  auto tree = yaml_to_json(
      "a: !!str 1\nb: !!int \"2\"\nc: !!float 3\nd: !!bool \"true\"\n"
      "e: !!null ''\nf: ! 4\ng: !!str\n");
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(tree->dump(), R"({"a":"1","b":2,"c":3.0,"d":true,"e":null,"f":"4","g":""})");
}

TEST(YamlToJson, ErrorsAreInvalidJsonWithAPosition) {
  auto tree = yaml_to_json("a: b\nc: [d\n");
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().code(), Errc::invalid_json);
  EXPECT_EQ(tree.error().message(),
            "invalid YAML at line 3, column 1: end of sequence flow not found");
  tree = yaml_to_json("a: b: c\n");
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().message(), "invalid YAML at line 1, column 5: illegal map value");
  tree = yaml_to_json("a: !!bool maybe\n");
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().message(),
            "invalid YAML at line 1, column 4: \"maybe\" is not a valid bool");
}

TEST(YamlToJson, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto tree = yaml_to_json(deep);
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().code(), Errc::invalid_json);
}

TEST(YamlToJson, NestingIsBoundedBelowTheParsersOwnLimit) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  auto tree = yaml_to_json(nested(kMaxYamlDepth));
  ASSERT_TRUE(tree) << tree.error().message();
  tree = yaml_to_json(nested(kMaxYamlDepth + 1));
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().code(), Errc::invalid_json);
  EXPECT_NE(tree.error().message().find("nested more than 100 levels deep"), std::string::npos)
      << tree.error().message();
}

// Found by fuzz_cluster_yaml: an anchor whose own mapping holds an alias to it made the
// conversion recurse until the stack overflowed.
TEST(YamlToJson, AliasInsideTheNodeItNamesIsAnError) {
  for (const char* text : {"base: &b {type: redis, a: *b}\nservices: {a: *b}\n", "&x [1, *x]\n",
                           "a: &x\n  b:\n    c: *x\n"}) {
    auto tree = yaml_to_json(text);
    ASSERT_FALSE(tree) << text;
    EXPECT_EQ(tree.error().code(), Errc::invalid_json);
    EXPECT_NE(tree.error().message().find("an alias refers to a node that contains it"),
              std::string::npos)
        << tree.error().message();
  }
}

TEST(YamlToJson, RepeatedAliasesToSiblingsExpand) {
  auto tree = yaml_to_json("base: &b {type: redis, port: 1}\nservices: {a: *b, b: *b}\n");
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ((*tree)["services"].dump(),
            R"({"a":{"type":"redis","port":1},"b":{"type":"redis","port":1}})");
}

}  // namespace
}  // namespace throome::config::detail
