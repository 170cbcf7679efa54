#include "throome/client/exit_code.hpp"

namespace throome::client {

ExitCode exit_code_for(const ClientError& error) noexcept {
  switch (error.kind()) {
    case ClientError::Kind::usage:
      return ExitCode::usage;
    case ClientError::Kind::transport:
      return ExitCode::unreachable;
    case ClientError::Kind::http:
      return error.http_status() >= 400 && error.http_status() <= 499 ? ExitCode::client_error
                                                                      : ExitCode::server_error;
    case ClientError::Kind::protocol:
      return ExitCode::server_error;
  }
  return ExitCode::server_error;
}

std::string exit_codes_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  2  usage error (unknown flag, missing argument, malformed --service or URL,\n"
         "     no --cluster for a data command)\n"
         "  3  daemon unreachable (connection refused, DNS failure, timeout, TLS failure)\n"
         "  4  the daemon answered 4xx (not found, invalid input, duplicate id, ...),\n"
         "     or cache get found no such key\n"
         "  5  the daemon answered 5xx or an invalid response\n"
         "  6  bad local file (unreadable, or not a valid cluster config)\n"
         "  7  aborted at the confirmation prompt";
}

}  // namespace throome::client
