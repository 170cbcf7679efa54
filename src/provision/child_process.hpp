#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace throome::provision {

/// Runs every process start on one long-lived thread. A child's parent-death signal fires when
/// the *thread* that started it exits, so children must not be started from pool threads that
/// come and go. Thread-safe.
class Spawner {
 public:
  Spawner();
  ~Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  /// Runs `f` on the spawner thread and waits for its result. Blocking.
  pid_t run(std::function<pid_t()> f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

namespace detail {

/// Starts `argv` (argv[0] an absolute path) in its own process group with stdin from /dev/null
/// and stdout+stderr appended to `log_file`, with default signal dispositions and an empty
/// signal mask. @return the PID, or -1 with `error` set.
pid_t spawn_process(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    std::string& error);

/// The kernel's start time of `pid` (field 22 of /proc/<pid>/stat), or nullopt when it is not
/// running (or is a zombie). Together with the PID it names one process across PID reuse.
std::optional<unsigned long long> process_start_time(pid_t pid);

/// A process recorded in a pid file: "pid start_time\n".
struct PidRecord {
  pid_t pid = -1;
  unsigned long long start_time = 0;
};
bool write_pid_file(const std::filesystem::path& file, const PidRecord& record);
std::optional<PidRecord> read_pid_file(const std::filesystem::path& file);
/// @return true when the recorded process still runs (same PID and start time).
bool is_alive(const PidRecord& record);

/// Stops a process and its group: `signal`, then SIGKILL to the group after `grace`. Reaps it
/// when it is our child; otherwise waits until it is gone. @return false when it would not die.
bool stop_process(const PidRecord& record, int signal, std::chrono::milliseconds grace,
                  bool our_child);

/// @return true (and its exit status in `status`) when our child `pid` has exited; it is reaped.
bool child_exited(pid_t pid, int& status);

/// Runs `argv` to completion (stdout+stderr appended to `log_file`) through `spawner`.
/// @return the exit code (128+signal when killed), or -1 when it could not start (`error` set).
int run_to_completion(Spawner& spawner, const std::vector<std::string>& argv,
                      const std::filesystem::path& log_file, std::string& error);

/// The last `max_lines` lines of a log file (at most 4 KiB), for error messages.
std::string log_tail(const std::filesystem::path& file, std::size_t max_lines = 20);
/// The log text written after byte `offset`.
std::string log_since(const std::filesystem::path& file, std::uintmax_t offset);
/// The current size of a file (0 when absent).
std::uintmax_t file_size_or_zero(const std::filesystem::path& file);

}  // namespace detail
}  // namespace throome::provision
