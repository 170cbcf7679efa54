#include "throome/auth/api_key.hpp"

#include <gtest/gtest.h>

#include "throome/auth/key_ring.hpp"
#include "throome/config/config_error.hpp"

namespace throome::auth {
namespace {

// sha256("test-key-0123456789") computed by `printf %s test-key-0123456789 | sha256sum`.
constexpr const char* kKey = "test-key-0123456789";

std::string hex(const KeyDigest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

http::Request with_header(const std::string& name, const std::string& value) {
  http::Request req;
  req.headers.add(name, value);
  return req;
}

TEST(ApiKey, DigestIsSha256) {
  EXPECT_EQ(hex(digest_of("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(digest_of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKey, ParsesHexDigestsInEitherCase) {
  const auto d = digest_of(kKey);
  auto lower = parse_digest_hex(hex(d));
  ASSERT_TRUE(lower);
  EXPECT_TRUE(same_digest(*lower, d));
  std::string upper = hex(d);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto up = parse_digest_hex(upper);
  ASSERT_TRUE(up);
  EXPECT_TRUE(same_digest(*up, d));
  EXPECT_FALSE(parse_digest_hex(hex(d).substr(1)));
  EXPECT_FALSE(parse_digest_hex(hex(d) + "0"));
  EXPECT_FALSE(parse_digest_hex(std::string(63, 'a') + "g"));
}

TEST(ApiKey, SameDigestComparesEveryByte) {
  const auto a = digest_of("one");
  auto b = a;
  EXPECT_TRUE(same_digest(a, b));
  b.back() ^= 1;  // differs only in the last byte
  EXPECT_FALSE(same_digest(a, b));
  b = a;
  b.front() ^= 0x80;
  EXPECT_FALSE(same_digest(a, b));
}

TEST(ApiKey, PresentedKeyFromBearerOrXApiKey) {
  EXPECT_EQ(presented_key(with_header("Authorization", "Bearer abc")).value_or(""), "abc");
  EXPECT_EQ(presented_key(with_header("authorization", "bearer  abc ")).value_or(""), "abc");
  EXPECT_EQ(presented_key(with_header("X-API-Key", "xyz")).value_or(""), "xyz");
  EXPECT_FALSE(presented_key(with_header("Authorization", "Basic abc")));
  EXPECT_FALSE(presented_key(with_header("Authorization", "Bearer ")));
  EXPECT_FALSE(presented_key(with_header("X-API-Key", "  ")));
  EXPECT_FALSE(presented_key(http::Request{}));
  http::Request both = with_header("Authorization", "Bearer first");
  both.headers.add("X-API-Key", "second");
  EXPECT_EQ(presented_key(both).value_or(""), "first");
}

// Builds a key entry (designated initializers that leave fields out warn on g++ 12).
config::ApiKeyConfig key_config(std::string name, std::string role, std::string env,
                                std::vector<std::string> clusters = {}, bool read_only = false) {
  config::ApiKeyConfig k;
  k.name = std::move(name);
  k.role = std::move(role);
  k.key_env = std::move(env);
  k.clusters = std::move(clusters);
  k.read_only = read_only;
  return k;
}

config::ApiKeyConfig hashed(std::string name, const std::string& key) {
  config::ApiKeyConfig k;
  k.name = std::move(name);
  k.role = "admin";
  k.key_sha256 = hex(digest_of(key));
  return k;
}

config::AuthConfig auth_with(std::vector<config::ApiKeyConfig> keys) {
  config::AuthConfig a;
  a.enabled = true;
  a.api_keys = std::move(keys);
  return a;
}

TEST(KeyRing, FindsKeysByHashOrEnvironment) {
  const auto admin = hashed("root", kKey);
  const auto app = key_config("app", "client", "APP_KEY", {"shop", "*"}, true);
  config::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "APP_KEY") return std::string("app-key-from-the-environment");
    return std::nullopt;
  };
  auto ring = KeyRing::from_config(auth_with({admin, app}), env);
  ASSERT_EQ(ring.size(), 2u);
  const Key* root = ring.find(kKey);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "root");
  EXPECT_EQ(root->role, Role::admin);
  const Key* client = ring.find("app-key-from-the-environment");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->name, "app");
  EXPECT_TRUE(client->read_only);
  EXPECT_TRUE(client->all_clusters);
  EXPECT_TRUE(client->covers("anything"));
  EXPECT_EQ(ring.find("test-key-012345678"), nullptr);  // a prefix of a key
  EXPECT_EQ(ring.find(std::string(kKey) + "x"), nullptr);
  EXPECT_EQ(ring.find(""), nullptr);
}

TEST(KeyRing, MissingOrShortEnvironmentKeysAreConfigErrors) {
  const auto app = key_config("app", "client", "APP_KEY", {"shop"});
  auto unset = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  try {
    KeyRing::from_config(auth_with({app}), unset);
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("auth.api_keys[0].key_env"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("APP_KEY is not set"), std::string::npos) << e.what();
  }
  auto short_key = [](const std::string&) -> std::optional<std::string> {
    return std::string("short");
  };
  try {
    KeyRing::from_config(auth_with({app}), short_key);
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("shorter than 16"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("short\""), std::string::npos) << "key leaked";
  }
}

TEST(KeyRing, TheSameKeyTwiceIsRejected) {
  const auto a = hashed("a", kKey);
  const auto b = key_config("b", "admin", "B");
  auto env = [](const std::string&) -> std::optional<std::string> { return std::string(kKey); };
  EXPECT_THROW(KeyRing::from_config(auth_with({a, b}), env), config::ConfigError);
}

}  // namespace
}  // namespace throome::auth
