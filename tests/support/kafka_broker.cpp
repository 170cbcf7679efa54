#include "support/kafka_broker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace throome::testing {
namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(10);

}  // namespace

KafkaMockBroker::KafkaMockBroker(int brokers) {
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  std::vector<std::string> args{THROOME_KAFKA_MOCK_BROKER_BIN, "--brokers",
                                std::to_string(brokers)};
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, c_args[0], &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  in_fd_ = in_pipe[1];
  out_fd_ = out_pipe[0];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error(std::string("cannot start kafka_mock_broker: ") + std::strerror(rc));
  }
  bootstrap_ = command("");  // the first line is the bootstrap address
  if (bootstrap_.find(':') == std::string::npos) {
    throw std::runtime_error("kafka_mock_broker printed no bootstrap address: " + bootstrap_);
  }
}

KafkaMockBroker::~KafkaMockBroker() {
  if (in_fd_ >= 0) ::close(in_fd_);
  if (out_fd_ >= 0) ::close(out_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      ::usleep(10'000);
    }
  }
}

std::uint16_t KafkaMockBroker::port() const {
  const auto colon = bootstrap_.find(':');
  const auto end = bootstrap_.find(',', colon);
  return static_cast<std::uint16_t>(std::stoi(bootstrap_.substr(colon + 1, end - colon - 1)));
}

// Sends `line` (unless empty) and returns the next line of output.
std::string KafkaMockBroker::command(const std::string& line) {
  if (!line.empty()) {
    const std::string out = line + "\n";
    if (::write(in_fd_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
      throw std::runtime_error("kafka_mock_broker: write failed");
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  while (true) {
    const auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string reply = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return reply;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("kafka_mock_broker: no reply to " + line);
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("kafka_mock_broker exited");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void KafkaMockBroker::set_down(int id) {
  const auto r = command("down " + std::to_string(id));
  if (r != "ok") throw std::runtime_error("kafka_mock_broker down: " + r);
}

void KafkaMockBroker::set_up(int id) {
  const auto r = command("up " + std::to_string(id));
  if (r != "ok") throw std::runtime_error("kafka_mock_broker up: " + r);
}

void KafkaMockBroker::create_topic(const std::string& topic, int partitions,
                                   int replication_factor) {
  const auto r = command("create " + topic + " " + std::to_string(partitions) + " " +
                         std::to_string(replication_factor));
  if (r != "ok") throw std::runtime_error("kafka_mock_broker create: " + r);
}

std::vector<KcatRecord> kcat_consume(const std::string& bootstrap, const std::string& topic) {
  // Binary-safe: "<partition> <offset> <key length> <value length>\n<key><value>\n".
  auto r = run_command({"kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                        "-f", "%p %o %K %S\n%k%s\n"});
  if (r.exit_code != 0) {
    throw std::runtime_error("kcat -C failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
  std::vector<KcatRecord> out;
  std::size_t pos = 0;
  const std::string& s = r.out;
  while (pos < s.size()) {
    const auto nl = s.find('\n', pos);
    if (nl == std::string::npos) throw std::runtime_error("kcat output truncated");
    long long p = 0, o = 0, k = 0, v = 0;
    if (std::sscanf(s.substr(pos, nl - pos).c_str(), "%lld %lld %lld %lld", &p, &o, &k, &v) != 4) {
      throw std::runtime_error("unexpected kcat output: " + s.substr(pos, nl - pos));
    }
    pos = nl + 1;
    KcatRecord rec;
    rec.partition = static_cast<std::int32_t>(p);
    rec.offset = o;
    if (k >= 0) {
      rec.key = s.substr(pos, static_cast<std::size_t>(k));
      pos += static_cast<std::size_t>(k);
    }
    if (v >= 0) {
      rec.value = s.substr(pos, static_cast<std::size_t>(v));
      pos += static_cast<std::size_t>(v);
    }
    if (pos >= s.size() || s[pos] != '\n') throw std::runtime_error("kcat output out of sync");
    ++pos;
    out.push_back(std::move(rec));
  }
  return out;
}

void kcat_produce(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::string>& lines, bool keyed) {
  std::string input;
  for (const auto& l : lines) input += l + "\n";
  std::vector<std::string> argv{"kcat", "-P", "-b", bootstrap, "-t", topic};
  if (keyed) {
    argv.push_back("-K");
    argv.push_back("\t");
  }
  auto r = run_command(argv, {}, input);
  if (r.exit_code != 0) {
    throw std::runtime_error("kcat -P failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
}

}  // namespace throome::testing
