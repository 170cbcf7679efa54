#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace throome::testing {

/// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Exit status and captured output of a finished command.
struct CommandResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (absolute path or on PATH) to completion with extra environment variables
/// and `stdin_data` on its standard input.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& stdin_data = "");

/// Recursive listing of a directory: relative path -> file contents ("<dir>" for dirs).
/// Used to assert that a failed request changed nothing on disk.
std::map<std::string, std::string> snapshot_dir(const std::filesystem::path& dir);

/// Paths of the built binaries under test.
std::string throome_bin();
std::string throome_cli_bin();

/// The real `throome` daemon on 127.0.0.1 and a free port (it binds port 0 and reports the
/// port through --ready-file). Stopped with SIGTERM on destruction.
class DaemonProcess {
 public:
  struct Options {
    std::filesystem::path clusters_dir;      // required
    std::string config_yaml;                 // written to a throome.yaml when set
    std::vector<std::string> extra_args;     // appended to the command line
    std::map<std::string, std::string> env;  // extra environment
    std::chrono::milliseconds start_timeout{15'000};
  };

  explicit DaemonProcess(Options options);  // starts and waits until it listens; throws on failure
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const;
  pid_t pid() const { return pid_; }
  bool running();

  /// Sends `signal` and waits for exit. @return the exit code (128+signal if killed).
  int stop(int signal = 15, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Stops (SIGTERM) and starts again with the same options; the port may change.
  void restart();
  /// Everything the daemon wrote to stdout and stderr so far.
  std::string output() const;

 private:
  void start();
  Options options_;
  std::filesystem::path work_dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

/// One HTTP/1.1 response as seen on the wire.
struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// Sends one request on a fresh connection to 127.0.0.1:port (Connection: close).
/// Throws std::runtime_error on a transport failure.
HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

/// Writes raw bytes on a fresh connection, half-closes nothing, and reads until the server
/// closes or `timeout` passes. @return everything read.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// What a slowloris client saw: how long the server kept its connection, whether the server
/// closed it, and the bytes it answered.
struct DribbleResult {
  std::chrono::milliseconds open_for{0};
  bool closed_by_server = false;
  std::string received;
};

/// A slowloris client: on a fresh connection, writes `head`, then `piece` every `interval`
/// until the server closes the connection or `timeout` passes.
DribbleResult dribble(std::uint16_t port, const std::string& head, const std::string& piece,
                      std::chrono::milliseconds interval, std::chrono::milliseconds timeout);

/// A keep-alive HTTP/1.1 connection for many sequential requests (load tests).
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  /// Sends one request and reads exactly one response. Throws on a transport failure.
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  int fd_ = -1;
  std::string buffer_;
};

/// Parses every HTTP/1.1 response contained in `raw` (pipelined responses, in order).
std::vector<HttpResult> parse_responses(const std::string& raw);

}  // namespace throome::testing
