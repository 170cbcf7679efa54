#include "throome/client/exit_code.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace throome::client {
namespace {

using Kind = ClientError::Kind;

TEST(ExitCodeTest, MapsEveryKindOfFailure) {
  EXPECT_EQ(exit_code_for(ClientError(Kind::transport, "refused")), ExitCode::unreachable);
  EXPECT_EQ(exit_code_for(ClientError(Kind::usage, "bad url")), ExitCode::usage);
  EXPECT_EQ(exit_code_for(ClientError(Kind::http, "not found", 404)), ExitCode::client_error);
  EXPECT_EQ(exit_code_for(ClientError(Kind::http, "bad", 400)), ExitCode::client_error);
  EXPECT_EQ(exit_code_for(ClientError(Kind::http, "conflict", 409)), ExitCode::client_error);
  EXPECT_EQ(exit_code_for(ClientError(Kind::http, "boom", 500)), ExitCode::server_error);
  EXPECT_EQ(exit_code_for(ClientError(Kind::http, "down", 503)), ExitCode::server_error);
  EXPECT_EQ(exit_code_for(ClientError(Kind::protocol, "not json", 200)), ExitCode::server_error);
}

TEST(ExitCodeTest, NumbersAreStable) {
  EXPECT_EQ(to_int(ExitCode::ok), 0);
  EXPECT_EQ(to_int(ExitCode::usage), 2);
  EXPECT_EQ(to_int(ExitCode::unreachable), 3);
  EXPECT_EQ(to_int(ExitCode::client_error), 4);
  EXPECT_EQ(to_int(ExitCode::server_error), 5);
  EXPECT_EQ(to_int(ExitCode::bad_file), 6);
  EXPECT_EQ(to_int(ExitCode::aborted), 7);
}

TEST(ExitCodeTest, HelpListsEveryCode) {
  const std::string help = exit_codes_help();
  for (const char* line : {"  0  success", "  2  usage error", "  3  daemon unreachable",
                           "  4  the daemon answered 4xx", "  5  the daemon answered 5xx",
                           "  6  bad local file", "  7  aborted"}) {
    EXPECT_NE(help.find(line), std::string::npos) << line;
  }
}

TEST(ClientErrorTest, ExposesTheDaemonErrorBody) {
  ClientError e(Kind::http, "cluster \"x\" not found", 404,
                {{"error", "cluster \"x\" not found"},
                 {"code", "not_found"},
                 {"status", 404},
                 {"details", nullptr}});
  EXPECT_EQ(e.code(), "not_found");
  EXPECT_TRUE(e.details().is_null());
  EXPECT_EQ(ClientError(Kind::transport, "x").code(), "");
  EXPECT_TRUE(ClientError(Kind::transport, "x").details().is_null());
  EXPECT_STREQ(to_string(Kind::protocol), "protocol");
}

TEST(ClientErrorTest, ResultValueThrowsTheMessage) {
  ClientResult<int> r = ClientError(Kind::transport, "cannot reach http://h: refused");
  EXPECT_THROW(
      {
        try {
          (void)r.value();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "cannot reach http://h: refused");
          throw;
        }
      },
      std::runtime_error);
  ClientResult<int> ok = 42;
  EXPECT_EQ(ok.value(), 42);
}

}  // namespace
}  // namespace throome::client
