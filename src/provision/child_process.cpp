#include "provision/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

extern char** environ;

namespace throome::provision {
namespace fs = std::filesystem;

struct Spawner::Impl {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::packaged_task<pid_t()>> jobs;
  bool done = false;
  std::thread thread;

  void loop() {
    for (;;) {
      std::packaged_task<pid_t()> job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }
};

Spawner::Spawner() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

Spawner::~Spawner() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->done = true;
  }
  impl_->cv.notify_all();
  impl_->thread.join();
}

pid_t Spawner::run(std::function<pid_t()> f) {
  std::packaged_task<pid_t()> task(std::move(f));
  auto result = task.get_future();
  {
    std::lock_guard lock(impl_->mu);
    impl_->jobs.push_back(std::move(task));
  }
  impl_->cv.notify_one();
  return result.get();
}

namespace detail {

pid_t spawn_process(const std::vector<std::string>& argv, const fs::path& log_file,
                    std::string& error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Servers get absolute paths; "/" is a working directory any account can enter (the
  // daemon's own may be private to it when PostgreSQL runs as the postgres account).
  posix_spawn_file_actions_addchdir_np(&actions, "/");

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: a Ctrl-C in the daemon's terminal reaches the daemon, which stops its
  // servers in order; a stop can signal the whole group (a postmaster and its backends).
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  c_args.reserve(args.size() + 1);
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, c_args[0], &actions, &attr, c_args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::optional<unsigned long long> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string state;
  fields >> state;  // field 3
  if (state == "Z" || state == "X") return std::nullopt;
  std::string skip;
  for (int i = 4; i < 22; ++i) fields >> skip;
  unsigned long long start = 0;
  if (!(fields >> start)) return std::nullopt;
  return start;
}

bool write_pid_file(const fs::path& file, const PidRecord& record) {
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << record.pid << ' ' << record.start_time << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(temp, file, ec);
  return !ec;
}

std::optional<PidRecord> read_pid_file(const fs::path& file) {
  std::ifstream in(file);
  PidRecord r;
  if (!(in >> r.pid >> r.start_time) || r.pid <= 0) return std::nullopt;
  return r;
}

bool is_alive(const PidRecord& record) {
  const auto start = process_start_time(record.pid);
  return start && *start == record.start_time;
}

bool child_exited(pid_t pid, int& status) { return ::waitpid(pid, &status, WNOHANG) == pid; }

bool stop_process(const PidRecord& record, int signal, std::chrono::milliseconds grace,
                  bool our_child) {
  if (record.pid <= 0) return true;
  auto gone = [&] {
    if (our_child) {
      int status = 0;
      const pid_t r = ::waitpid(record.pid, &status, WNOHANG);
      return r == record.pid || (r < 0 && errno == ECHILD);
    }
    return !is_alive(record);
  };
  if (gone()) return true;
  ::kill(record.pid, signal);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (gone()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling for its exit
  }
  ::kill(-record.pid, SIGKILL);  // the whole group: a postmaster's backends too
  ::kill(record.pid, SIGKILL);
  const auto kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < kill_deadline) {
    if (gone()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int run_to_completion(Spawner& spawner, const std::vector<std::string>& argv,
                      const fs::path& log_file, std::string& error) {
  auto start = [&] { return spawn_process(argv, log_file, error); };
  const pid_t pid = spawner.run(start);
  if (pid < 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::uintmax_t file_size_or_zero(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : size;
}

std::string log_since(const fs::path& file, std::uintmax_t offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string log_tail(const fs::path& file, std::size_t max_lines) {
  constexpr std::uintmax_t kMaxBytes = 4096;
  const auto size = file_size_or_zero(file);
  std::string text = log_since(file, size > kMaxBytes ? size - kMaxBytes : 0);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t lines = 0;
  for (std::size_t i = text.size(); i > 0; --i) {
    if (text[i - 1] == '\n' && ++lines == max_lines) return text.substr(i);
  }
  return text;
}

}  // namespace detail
}  // namespace throome::provision
