#include "provision/child_server.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "provision/ports.hpp"

namespace throome::provision {
namespace fs = std::filesystem;

ChildServer::ChildServer(detail::PidRecord record, fs::path pid_file, int port, int stop_signal,
                         std::string what)
    : record_(record),
      pid_file_(std::move(pid_file)),
      port_(port),
      stop_signal_(stop_signal),
      what_(std::move(what)) {}

ChildServer::~ChildServer() { stop(); }

void ChildServer::stop() {
  if (record_.pid <= 0) return;
  if (!detail::stop_process(record_, stop_signal_, std::chrono::seconds(30), true)) {
    spdlog::error("provision: {} (pid {}) did not stop", what_, record_.pid);
  } else {
    spdlog::info("provision: {} on port {} stopped (pid {})", what_, port_, record_.pid);
  }
  // Only our own record: a later server of the same service may have written its own.
  if (auto file = detail::read_pid_file(pid_file_); file && file->pid == record_.pid) {
    std::error_code ec;
    fs::remove(pid_file_, ec);
  }
  record_.pid = -1;
}

void ChildServer::forget() {
  std::error_code ec;
  fs::remove(pid_file_, ec);
  record_.pid = -1;
}

void take_over_stale(const fs::path& pid_file, int stop_signal, const std::string& what) {
  auto record = detail::read_pid_file(pid_file);
  if (!record) return;
  if (detail::is_alive(*record)) {
    spdlog::warn(
        "provision: {} (pid {}) from a previous daemon still runs ({}); stopping it to start "
        "it again with the same data",
        what, record->pid, pid_file.parent_path().string());
    if (!detail::stop_process(*record, stop_signal, std::chrono::seconds(30), false)) {
      spdlog::error("provision: stale {} (pid {}) would not stop", what, record->pid);
    }
  }
  std::error_code ec;
  fs::remove(pid_file, ec);
}

Error start_failure(const ServiceSpec& spec, const std::string& what, const std::string& reason,
                    const fs::path& log_file) {
  return Error(Errc::backend_unavailable,
               "provisioning service \"" + spec.name + "\" of cluster \"" + spec.cluster_id +
                   "\" failed: " + what + " " + reason,
               {{"service", spec.name},
                {"log_file", log_file.string()},
                {"log_tail", detail::log_tail(log_file)}});
}

Result<std::unique_ptr<LocalServer>> launch(const StartContext& ctx, const ServiceSpec& spec,
                                            const LaunchPlan& plan) {
  take_over_stale(plan.pid_file, plan.stop_signal, plan.what);
  const bool pick = spec.port == 0;
  if (!pick && detail::port_in_use(spec.port)) {
    return Error(Errc::backend_unavailable,
                 "provisioning service \"" + spec.name + "\" of cluster \"" + spec.cluster_id +
                     "\" failed: port " + std::to_string(spec.port) +
                     " on 127.0.0.1 is in use by another process",
                 {{"service", spec.name}, {"port", spec.port}});
  }
  const int attempts = pick ? 5 : 1;
  std::string reason;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int port = spec.port;
    if (pick) {
      auto free = detail::pick_free_port();
      if (!free) return Error(Errc::internal, "no free TCP port on 127.0.0.1");
      port = *free;
    }
    if (auto prepared = plan.prepare(port); !prepared) return prepared.error();
    const auto offset = detail::file_size_or_zero(plan.log_file);
    std::string spawn_error;
    const auto argv = plan.argv_for(port);
    auto spawn = [&] { return detail::spawn_process(argv, plan.log_file, spawn_error); };
    const pid_t pid = ctx.spawner.run(spawn);
    if (pid < 0) return Error(Errc::internal, spawn_error);
    detail::PidRecord record{pid, detail::process_start_time(pid).value_or(0)};
    detail::write_pid_file(plan.pid_file, record);
    auto server =
        std::make_unique<ChildServer>(record, plan.pid_file, port, plan.stop_signal, plan.what);
    spdlog::info("provision: {} for {}/{} starting on 127.0.0.1:{} (pid {}, log {})", plan.what,
                 spec.cluster_id, spec.name, port, pid, plan.log_file.string());

    const auto deadline = std::chrono::steady_clock::now() + ctx.options.start_timeout;
    std::string last_error;
    bool retry = false;
    for (;;) {
      int status = 0;
      if (detail::child_exited(pid, status)) {
        server->forget();  // already reaped
        const auto output = detail::log_since(plan.log_file, offset);
        if (pick && !plan.port_taken_marker.empty() &&
            output.find(plan.port_taken_marker) != std::string::npos) {
          spdlog::info("provision: port {} was taken meanwhile; trying another one", port);
          retry = true;
          break;
        }
        reason =
            WIFSIGNALED(status)
                ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " during start-up"
                : "exited during start-up with code " + std::to_string(WEXITSTATUS(status));
        return start_failure(spec, plan.what, reason, plan.log_file);
      }
      auto ready = plan.probe(port, last_error);
      if (!ready) {
        server->stop();
        return ready.error();
      }
      if (*ready) return std::unique_ptr<LocalServer>(std::move(server));
      if (std::chrono::steady_clock::now() >= deadline) {
        server->stop();
        reason = "did not answer within " +
                 std::to_string(ctx.options.start_timeout.count() / 1000) + " s" +
                 (last_error.empty() ? std::string() : " (" + last_error + ")");
        return start_failure(spec, plan.what, reason, plan.log_file);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling for readiness
    }
    if (!retry) break;
  }
  return start_failure(spec, plan.what, "could not bind a free port", plan.log_file);
}

}  // namespace throome::provision
