#include "throome/config/config_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace throome::config {
namespace {

TEST(ConfigError, KeepsItsParts) {
  const ConfigError e("/etc/throome.yaml", "server.port", "must be between 0 and 65535");
  EXPECT_EQ(e.source(), "/etc/throome.yaml");
  EXPECT_EQ(e.key(), "server.port");
  EXPECT_EQ(e.reason(), "must be between 0 and 65535");
}

TEST(ConfigError, WhatReadsSourceKeyReason) {
  EXPECT_STREQ(ConfigError("throome.yaml", "server.port", "must be between 0 and 65535").what(),
               "throome.yaml: server.port: must be between 0 and 65535");
  EXPECT_STREQ(ConfigError("environment", "THROOME_PORT", "bad").what(),
               "environment: THROOME_PORT: bad");
}

TEST(ConfigError, WhatSkipsAnEmptyKey) {
  EXPECT_STREQ(ConfigError("/nope.yaml", "", "cannot read file: No such file or directory").what(),
               "/nope.yaml: cannot read file: No such file or directory");
}

TEST(ConfigError, IsARuntimeError) {
  try {
    throw ConfigError("src", "k", "r");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "src: k: r");
  }
}

}  // namespace
}  // namespace throome::config
