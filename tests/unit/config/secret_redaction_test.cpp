// is_secret_option_key and redact_options.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

using nlohmann::json;

TEST(SecretOptionKey, SecretNames) {
  for (const char* key : {"password", "PASSWORD", "sasl.password", "ssl.key.password", "db_passwd",
                          "secret", "client_secret", "token", "access_token", "credentials",
                          "private", "ssl.key", "tls_key", "api-key", "API_KEY", "ssl.key.pem"}) {
    EXPECT_TRUE(is_secret_option_key(key)) << key;
  }
}

TEST(SecretOptionKey, OrdinaryNames) {
  for (const char* key : {"", "key", "keys", "keyspace", "ssl.key.location", "db", "username",
                          "sasl.username", "client.id", "brokers", "monkey", "keyfile"}) {
    EXPECT_FALSE(is_secret_option_key(key)) << key;
  }
}

TEST(RedactOptions, ReplacesSecretsAtAnyDepth) {
  const json options = json::parse(R"({
    "db": 0,
    "sasl.password": "hunter2",
    "tls": {"ssl.key": "-----BEGIN", "ssl.ca.location": "/ca"},
    "brokers": [{"host": "h", "token": "t0k"}],
    "auth_token": 42,
    "secret_empty": "",
    "secret_null": null
  })");
  const json redacted = redact_options(options);
  EXPECT_EQ(redacted, json::parse(R"({
    "db": 0,
    "sasl.password": "********",
    "tls": {"ssl.key": "********", "ssl.ca.location": "/ca"},
    "brokers": [{"host": "h", "token": "********"}],
    "auth_token": "********",
    "secret_empty": "",
    "secret_null": null
  })"));
}

TEST(RedactOptions, MasksUrlPasswords) {
  const json redacted = redact_options(json::parse(R"({
    "url": "redis://user:pw@host:6379/0",
    "dsn": "postgres://app:s3cr3t@db/x?sslmode=disable",
    "user_only": "redis://user@host",
    "path_at": "http://host/a@b",
    "plain": "a:b@c"
  })"));
  EXPECT_EQ(redacted["url"], "redis://user:********@host:6379/0");
  EXPECT_EQ(redacted["dsn"], "postgres://app:********@db/x?sslmode=disable");
  EXPECT_EQ(redacted["user_only"], "redis://user@host");
  EXPECT_EQ(redacted["path_at"], "http://host/a@b");
  EXPECT_EQ(redacted["plain"], "a:b@c");
}

}  // namespace
}  // namespace throome::config
