// PostgreSQL text output -> typed JSON and JSON arguments -> parameter text, without a server.
#include <gtest/gtest.h>

#include "adapters/postgres/values.hpp"

namespace throome::postgres::detail {
namespace {

using nlohmann::json;

TypeDesc type(Oid oid) {
  static TypeCache cache;
  auto t = cache.find(oid);
  EXPECT_TRUE(t.has_value()) << oid;
  return t.value_or(TypeDesc{});
}

json decode(Oid oid, std::string_view text) {
  static TypeCache cache;
  const TypeDesc t = type(oid);
  std::optional<TypeDesc> element;
  if (t.kind == Kind::array) element = cache.find(t.element);
  return decode_value(t, element ? &*element : nullptr, text);
}

TEST(PostgresValues, IntegersAreNumbersAndBigInt8sStrings) {
  EXPECT_EQ(decode(21, "-32768"), -32768);
  EXPECT_EQ(decode(23, "2147483647"), 2147483647);
  EXPECT_EQ(decode(26, "4294967295"), 4294967295LL);
  EXPECT_EQ(decode(20, "9007199254740992"), 9007199254740992LL);
  EXPECT_EQ(decode(20, "-9007199254740992"), -9007199254740992LL);
  EXPECT_EQ(decode(20, "9007199254740993"), "9007199254740993");
  EXPECT_EQ(decode(20, "-9223372036854775808"), "-9223372036854775808");
}

TEST(PostgresValues, FloatsNumericBoolAndJson) {
  EXPECT_EQ(decode(701, "0.1"), 0.1);
  EXPECT_EQ(decode(700, "1.1"), 1.1);  // not widened from float: the decimal text is kept
  EXPECT_EQ(decode(701, "1e+300"), 1e300);
  EXPECT_EQ(decode(701, "NaN"), "NaN");
  EXPECT_EQ(decode(700, "-Infinity"), "-Infinity");
  EXPECT_EQ(decode(1700, "3.14159265358979323846264338327950288"),
            "3.14159265358979323846264338327950288");
  EXPECT_EQ(decode(16, "t"), true);
  EXPECT_EQ(decode(16, "f"), false);
  EXPECT_EQ(decode(3802, R"({"a": [1, 2.5, null]})"), json::parse(R"({"a":[1,2.5,null]})"));
  EXPECT_EQ(decode(114, "  [1,\n2]"), json::parse("[1,2]"));
}

TEST(PostgresValues, ByteaIsBase64FromHexOrEscapeFormat) {
  EXPECT_EQ(decode(17, "\\x"), "");
  EXPECT_EQ(decode(17, "\\x00ff10"), "AP8Q");
  EXPECT_EQ(decode_bytea("\\x0A0b"), std::string("\x0a\x0b"));
  EXPECT_EQ(decode_bytea("a\\\\b\\001"), std::string("a\\b\x01"));
  EXPECT_FALSE(decode_bytea("\\x0"));
  EXPECT_FALSE(decode_bytea("\\xzz"));
  EXPECT_FALSE(decode_bytea("\\09"));
}

TEST(PostgresValues, DatesAndTimesBecomeIso8601) {
  EXPECT_EQ(decode(1082, "2024-02-29"), "2024-02-29");
  EXPECT_EQ(decode(1114, "2024-01-02 03:04:05.5"), "2024-01-02T03:04:05.5");
  EXPECT_EQ(decode(1184, "2024-01-02 03:04:05+00"), "2024-01-02T03:04:05+00:00");
  EXPECT_EQ(decode(1184, "2024-01-02 03:04:05.123-03:30"), "2024-01-02T03:04:05.123-03:30");
  EXPECT_EQ(decode(1266, "13:14:15+05"), "13:14:15+05:00");
  EXPECT_EQ(decode(1266, "13:14:15-08"), "13:14:15-08:00");
  EXPECT_EQ(decode(1083, "24:00:00"), "24:00:00");
  EXPECT_EQ(decode(1186, "P1Y2M3DT4H5M6.5S"), "P1Y2M3DT4H5M6.5S");
  EXPECT_EQ(decode(1114, "infinity"), "infinity");
  EXPECT_EQ(decode(1082, "-infinity"), "-infinity");
  // ISO 8601 counts 1 BC as year 0.
  EXPECT_EQ(decode(1082, "0001-01-01 BC"), "0000-01-01");
  EXPECT_EQ(decode(1082, "0044-03-15 BC"), "-0043-03-15");
  EXPECT_EQ(decode(1184, "4713-01-01 00:00:00+00 BC"), "-4712-01-01T00:00:00+00:00");
}

TEST(PostgresValues, ArraysParseQuotingNullsAndDimensions) {
  EXPECT_EQ(decode(1007, "{1,NULL,3}"), json::parse("[1,null,3]"));
  EXPECT_EQ(decode(1007, "{}"), json::array());
  EXPECT_EQ(decode(1007, "{{1,2},{3,4}}"), json::parse("[[1,2],[3,4]]"));
  EXPECT_EQ(decode(1007, "[0:1]={5,6}"), json::parse("[5,6]"));
  EXPECT_EQ(decode(1009, R"({"a b","\"q\"","\\",NULL,"NULL",null,plain})"),
            json::parse(R"(["a b","\"q\"","\\",null,"NULL",null,"plain"])"));
  EXPECT_EQ(decode(1016, "{9007199254740993,1}"), json::parse(R"(["9007199254740993",1])"));
  EXPECT_EQ(decode(1000, "{t,f}"), json::parse("[true,false]"));
  EXPECT_EQ(decode(3807, R"({"{\"a\": 1}","[]"})"), json::parse(R"([{"a":1},[]])"));
  EXPECT_EQ(decode(1020, "{(1,1),(0,0);(2,2),(1,1)}"),
            json::parse(R"j(["(1,1),(0,0)","(2,2),(1,1)"])j"));
  // Malformed text stays a string rather than failing the whole result.
  EXPECT_EQ(decode(1007, "{1,2"), "{1,2");
  EXPECT_EQ(decode(1007, "{\"1}"), "{\"1}");
}

TEST(PostgresValues, UnknownTypesStayText) {
  TypeDesc unknown{"mytype", Kind::text};
  EXPECT_EQ(decode_value(unknown, nullptr, "(1,2)"), "(1,2)");
  EXPECT_EQ(decode(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(type(1007).name, "int4[]");
  EXPECT_EQ(type(3802).name, "jsonb");
}

std::optional<std::string> encode(const json& v, Oid oid = 0) {
  const TypeDesc t = oid != 0 ? type(oid) : TypeDesc{};
  auto r = encode_param(v, oid != 0 ? &t : nullptr);
  EXPECT_TRUE(r) << v.dump();
  return r ? *r : std::optional<std::string>("<error>");
}

TEST(PostgresValues, EveryJsonTypeEncodesAsParameterText) {
  EXPECT_EQ(encode(nullptr), std::nullopt);
  EXPECT_EQ(encode(true), "true");
  EXPECT_EQ(encode(false), "false");
  EXPECT_EQ(encode(-42), "-42");
  EXPECT_EQ(encode(json::parse("18446744073709551615")), "18446744073709551615");
  EXPECT_EQ(encode(0.1), "0.1");
  EXPECT_EQ(encode("it's \"quoted\""), "it's \"quoted\"");
  EXPECT_EQ(encode(json::parse(R"({"a":[1,null]})")), R"({"a":[1,null]})");
  // Arrays: a PostgreSQL array for array parameters, JSON text otherwise.
  EXPECT_EQ(encode(json::parse("[1,2]"), 1007), "{1,2}");
  EXPECT_EQ(encode(json::parse("[1,2]"), 3802), "[1,2]");
  EXPECT_EQ(encode(json::parse("[1,2]")), "[1,2]");
  EXPECT_EQ(encode(json::parse(R"(["a,b","q\"\\",null,"NULL"])"), 1009),
            R"({"a,b","q\"\\",NULL,"NULL"})");
  EXPECT_EQ(encode(json::parse("[[1,2],[3,4]]"), 1007), "{{1,2},{3,4}}");
  EXPECT_EQ(encode(json::parse(R"([{"a":1}])"), 3807), R"({"{\"a\":1}"})");
  EXPECT_EQ(encode(json::array(), 1007), "{}");
}

TEST(PostgresValues, ANulCharacterCannotBeBound) {
  auto r = encode_param(std::string("a\0b", 3), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::bad_request);
  const TypeDesc text_array = type(1009);
  auto in_array = encode_param(json::array({std::string("\0", 1)}), &text_array);
  ASSERT_FALSE(in_array);
  // In JSON text a NUL is the escape \u0000: fine.
  EXPECT_EQ(encode(json::object({{"k", std::string("\0", 1)}})), R"({"k":"\u0000"})");
}

}  // namespace
}  // namespace throome::postgres::detail
