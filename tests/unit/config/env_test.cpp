// ${NAME} interpolation of string values.

#include "throome/config/env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

namespace throome::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kEnv = fake_env({{"HOST", "db.local"},
                                 {"PORT", "5432"},
                                 {"EMPTY", ""},
                                 {"_under_score9", "u"},
                                 {"NESTED", "${HOST}"}});

std::string resolved(std::string_view text) {
  auto result = interpolate_env(text, kEnv);
  EXPECT_TRUE(result) << text << ": " << (result ? "" : result.error().message());
  return result ? *result : std::string("<error>");
}

std::string failure(std::string_view text) {
  auto result = interpolate_env(text, kEnv);
  if (result) return "<resolved to " + *result + ">";
  EXPECT_EQ(result.error().code(), Errc::validation_failed);
  return result.error().message();
}

TEST(InterpolateEnv, LeavesPlainTextAlone) {
  EXPECT_EQ(resolved(""), "");
  EXPECT_EQ(resolved("plain"), "plain");
  EXPECT_EQ(resolved("cost: $5 and $HOST and {x}"), "cost: $5 and $HOST and {x}");
  EXPECT_EQ(resolved("ends with $"), "ends with $");
}

TEST(InterpolateEnv, ReplacesReferences) {
  EXPECT_EQ(resolved("${HOST}"), "db.local");
  EXPECT_EQ(resolved("${HOST}:${PORT}"), "db.local:5432");
  EXPECT_EQ(resolved("postgres://${HOST}/x"), "postgres://db.local/x");
  EXPECT_EQ(resolved("${_under_score9}"), "u");
  EXPECT_EQ(resolved("[${EMPTY}]"), "[]");
}

TEST(InterpolateEnv, ValuesAreNotInterpolatedAgain) { EXPECT_EQ(resolved("${NESTED}"), "${HOST}"); }

TEST(InterpolateEnv, DefaultsApplyWhenUnsetOrEmpty) {
  EXPECT_EQ(resolved("${MISSING:-fallback}"), "fallback");
  EXPECT_EQ(resolved("${MISSING:-}"), "");
  EXPECT_EQ(resolved("${EMPTY:-fallback}"), "fallback");
  EXPECT_EQ(resolved("${HOST:-fallback}"), "db.local");
  EXPECT_EQ(resolved("${MISSING:-a b:c-d}"), "a b:c-d");
  EXPECT_EQ(resolved("${MISSING:-${x}"), "${x");  // the first } closes the reference
}

TEST(InterpolateEnv, DoubleDollarEscapesAReference) {
  EXPECT_EQ(resolved("$${HOST}"), "${HOST}");
  EXPECT_EQ(resolved("a$${b}c ${HOST}"), "a${b}c db.local");
  EXPECT_EQ(resolved("$$x"), "$$x");
  EXPECT_EQ(resolved("$${"), "${");
}

TEST(InterpolateEnv, UnsetVariableIsAnError) {
  EXPECT_EQ(failure("${SHOP_REDIS_PASSWORD}"),
            "environment variable SHOP_REDIS_PASSWORD is not set");
  EXPECT_EQ(failure("x-${HOST}-${NOPE}"), "environment variable NOPE is not set");
}

TEST(InterpolateEnv, UnterminatedReferenceIsAnError) {
  EXPECT_EQ(failure("${HOST"), "unterminated ${ reference");
  EXPECT_EQ(failure("abc ${"), "unterminated ${ reference");
}

TEST(InterpolateEnv, BadNamesAreErrors) {
  const std::string reason =
      "invalid ${...} reference: variable names must match [A-Za-z_][A-Za-z0-9_]*";
  EXPECT_EQ(failure("${}"), reason);
  EXPECT_EQ(failure("${1ABC}"), reason);
  EXPECT_EQ(failure("${A-B}"), reason);
  EXPECT_EQ(failure("${A B}"), reason);
  EXPECT_EQ(failure("${A:B}"), reason);
  EXPECT_EQ(failure("${:-x}"), reason);
}

TEST(InterpolateEnv, ErrorsNeverEchoTheText) {
  // The text may be a literal password: only a (valid) variable name may appear in a message.
  const std::string message = failure("hunter2${bad name}hunter2");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_EQ(message.find("bad name"), std::string::npos) << message;
}

TEST(HasEnvReference, FindsUnescapedReferences) {
  EXPECT_TRUE(has_env_reference("${A}"));
  EXPECT_TRUE(has_env_reference("x ${A:-b} y"));
  EXPECT_TRUE(has_env_reference("${unterminated"));
  EXPECT_TRUE(has_env_reference("$${A} ${B}"));
  EXPECT_FALSE(has_env_reference("$${A}"));
  EXPECT_FALSE(has_env_reference("plain $A {A}"));
  EXPECT_FALSE(has_env_reference(""));
}

TEST(ProcessEnv, ReadsTheEnvironment) {
  ASSERT_EQ(::setenv("THROOME_CONFIG_TEST_VAR", "from-process", 1), 0);
  ::unsetenv("THROOME_CONFIG_TEST_UNSET");
  const EnvLookup env = process_env();
  EXPECT_EQ(env("THROOME_CONFIG_TEST_VAR"), "from-process");
  EXPECT_EQ(env("THROOME_CONFIG_TEST_UNSET"), std::nullopt);
  auto text = interpolate_env("v=${THROOME_CONFIG_TEST_VAR}", env);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "v=from-process");
  ::unsetenv("THROOME_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace throome::config
