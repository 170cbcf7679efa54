#pragma once

#include <string>

#include "throome/client/client_error.hpp"

namespace throome::client {

/// The process exit codes of throome-cli; scripts rely on them (docs/cli.md).
enum class ExitCode : int {
  ok = 0,
  usage = 2,         // bad flags or arguments (including a malformed --service or URL)
  unreachable = 3,   // connection refused, DNS failure, timeout, connection broken
  client_error = 4,  // the daemon answered 4xx (not found, invalid config, conflict, ...)
  server_error = 5,  // the daemon answered 5xx, or an answer that is not valid HTTP/JSON
  bad_file = 6,      // a local file is unreadable or is not a valid cluster config
  aborted = 7,       // the user declined at a confirmation prompt
};

constexpr int to_int(ExitCode code) noexcept { return static_cast<int>(code); }

/// Maps a client failure to the exit code: transport -> 3, HTTP 4xx -> 4, HTTP 5xx and
/// protocol errors -> 5, usage -> 2.
ExitCode exit_code_for(const ClientError& error) noexcept;

/// The exit-code table printed in `throome-cli --help`.
std::string exit_codes_help();

}  // namespace throome::client
