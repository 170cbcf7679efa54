#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "throome/config/cluster_codec.hpp"

namespace throome::config::test_util {

/// A small valid cluster as the API would send it.
inline nlohmann::json base_cluster_json() {
  return nlohmann::json::parse(R"({
    "name": "Shop",
    "services": {
      "cache": {"type": "redis", "host": "127.0.0.1", "port": 6379},
      "db": {"type": "postgres", "host": "db.local", "port": 5432,
             "replicas": [{"host": "replica.local", "port": 5433}]}
    }
  })");
}

/// The issues of a failed parse, read back from Error::details().
inline std::vector<ConfigIssue> issues_of(const Result<ParsedCluster>& result) {
  std::vector<ConfigIssue> issues;
  if (result) return issues;
  const Error error = result.error();  // error() returns a copy: keep it alive
  for (const auto& item : error.details()) {
    issues.push_back({item.at("path").get<std::string>(), item.at("message").get<std::string>()});
  }
  return issues;
}

inline std::string describe(const std::vector<ConfigIssue>& issues) {
  std::ostringstream out;
  for (const auto& issue : issues) out << "\n  {" << issue.path << "} " << issue.message;
  return issues.empty() ? std::string("(none)") : out.str();
}

/// Success when parsing failed with Errc::validation_failed and exactly this one issue.
inline ::testing::AssertionResult fails_with(const Result<ParsedCluster>& result,
                                             const std::string& path, const std::string& message) {
  if (result) return ::testing::AssertionFailure() << "parsed successfully";
  if (result.error().code() != Errc::validation_failed) {
    return ::testing::AssertionFailure() << "wrong code " << static_cast<int>(result.error().code())
                                         << ": " << result.error().message();
  }
  const auto issues = issues_of(result);
  const ConfigIssue expected{path, message};
  if (issues.size() != 1 || issues.front() != expected) {
    return ::testing::AssertionFailure()
           << "expected only {" << path << "} " << message << ", got" << describe(issues);
  }
  if (result.error().message() != expected.to_string()) {
    return ::testing::AssertionFailure() << "message is \"" << result.error().message() << "\"";
  }
  return ::testing::AssertionSuccess();
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace throome::config::test_util
