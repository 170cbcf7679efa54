#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace throome::testing {
namespace fs = std::filesystem;
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(errno_text("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    throw std::runtime_error(errno_text("connect 127.0.0.1:" + std::to_string(port)));
  }
  return fd;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text("send"));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads until EOF or until `timeout` passes without the peer closing.
std::string read_until_close(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/throome-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  ::chmod(tmpl.c_str(), 0755);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          const std::string& stdin_data) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(errno_text("pipe"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  auto args = argv;
  auto envs = merged_environment(env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("posix_spawn " + argv.at(0) + ": " + std::strerror(rc));
  }
  CommandResult result;
  std::string_view pending = stdin_data;
  int in_fd = in_pipe[1];
  if (pending.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = ::write(in_fd, pending.data(), pending.size());
        if (w > 0) pending.remove_prefix(static_cast<std::size_t>(w));
        if (w < 0 || pending.empty()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        (fds[i].fd == out_fd ? result.out : result.err).append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_status(status);
  return result;
}

std::map<std::string, std::string> snapshot_dir(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto rel = fs::relative(it->path(), dir).string();
    out[rel] = it->is_directory() ? std::string("<dir>") : read_file(it->path());
  }
  return out;
}

std::string throome_bin() { return THROOME_BIN; }
std::string throome_cli_bin() { return THROOME_CLI_BIN; }

DaemonProcess::DaemonProcess(Options options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/throome-daemon-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  work_dir_ = tmpl;
  start();
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) stop(SIGTERM);
  std::error_code ec;
  fs::remove_all(work_dir_, ec);
}

std::string DaemonProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void DaemonProcess::start() {
  const auto ready = work_dir_ / "ready";
  const auto log = work_dir_ / "daemon.log";
  fs::remove(ready);
  std::vector<std::string> args{throome_bin(),
                                "--host",
                                "127.0.0.1",
                                "--port",
                                "0",
                                "--clusters-dir",
                                options_.clusters_dir.string(),
                                "--ready-file",
                                ready.string()};
  if (!options_.config_yaml.empty()) {
    const auto cfg = work_dir_ / "throome.yaml";
    std::ofstream(cfg) << options_.config_yaml;
    args.insert(args.begin() + 1, {"--config", cfg.string()});
  }
  for (const auto& a : options_.extra_args) args.push_back(a);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  auto envs = merged_environment(options_.env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);
  int rc = ::posix_spawn(&pid_, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("spawn throome: ") + std::strerror(rc));

  // Await the ready file (written atomically once the listener accepts), or the exit.
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    std::error_code ec;
    if (fs::exists(ready, ec)) {
      auto text = read_file(ready);
      auto colon = text.rfind(':');
      port_ = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("throome exited with " + std::to_string(decode_status(status)) +
                               " before listening:\n" + output());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      throw std::runtime_error("throome did not start in time:\n" + output());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a condition
  }
}

bool DaemonProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

int DaemonProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return decode_status(status);
}

void DaemonProcess::restart() {
  stop();
  start();
}

std::string DaemonProcess::output() const { return read_file(work_dir_ / "daemon.log"); }

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "content-type") has_ct = true;
  }
  if (!body.empty() && !has_ct) req += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  auto raw = raw_exchange(port, req, std::chrono::seconds(30));
  auto responses = parse_responses(raw);
  if (responses.empty()) throw std::runtime_error("no HTTP response from the daemon");
  return responses.front();
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  int fd = connect_loopback(port);
  try {
    write_all(fd, bytes);
  } catch (...) {
    // The server may close early (e.g. after a 413): still read what it answered.
  }
  auto out = read_until_close(fd, timeout);
  ::close(fd);
  return out;
}

DribbleResult dribble(std::uint16_t port, const std::string& head, const std::string& piece,
                      std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  DribbleResult result;
  const int fd = connect_loopback(port);
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  bool open = true;
  try {
    write_all(fd, head);
  } catch (const std::runtime_error&) {
    open = false;
    result.closed_by_server = true;
  }
  auto next_piece = Clock::now() + interval;
  char buf[4096];
  while (open && Clock::now() < deadline) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(next_piece, deadline) - Clock::now());
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, wait.count())));
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        result.closed_by_server = true;
        break;
      }
      result.received.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (Clock::now() >= next_piece) {
      try {
        write_all(fd, piece);
      } catch (const std::runtime_error&) {
        result.closed_by_server = true;  // EPIPE / ECONNRESET: the server is gone
        break;
      }
      next_piece += interval;
    }
  }
  result.open_for = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  ::close(fd);
  return result;
}

HttpConnection::HttpConnection(std::uint16_t port) : fd_(connect_loopback(port)) {}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

HttpResult HttpConnection::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_ct = has_ct || k == "Content-Type";
  }
  if (!body.empty() && !has_ct) req += "Content-Type: application/json\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  write_all(fd_, req);
  char buf[65536];
  while (true) {
    auto head_end = buffer_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto lower = buffer_.substr(0, head_end);
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      std::size_t length = 0;
      if (auto pos = lower.find("content-length:"); pos != std::string::npos) {
        length = std::stoul(lower.substr(pos + 15));
      }
      if (buffer_.size() >= head_end + 4 + length) {
        auto responses = parse_responses(buffer_.substr(0, head_end + 4 + length));
        buffer_.erase(0, head_end + 4 + length);
        if (responses.empty()) continue;  // a 100 Continue
        return responses.front();
      }
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("connection closed by the server");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::vector<HttpResult> parse_responses(const std::string& raw) {
  std::vector<HttpResult> out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto head_end = raw.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    std::istringstream head(raw.substr(pos, head_end - pos));
    std::string line;
    std::getline(head, line);
    HttpResult r;
    {
      std::istringstream status_line(line);
      std::string version;
      status_line >> version >> r.status;
    }
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = head_end + 4;
    std::size_t length = 0;
    if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
      length = std::stoul(it->second);
    }
    if (r.status == 100) continue;  // interim response
    r.body = raw.substr(pos, length);
    pos += length;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace throome::testing
