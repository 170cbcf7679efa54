#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <memory>

#include "provision/child_server.hpp"
#include "provision/commands.hpp"

namespace throome::provision {
namespace fs = std::filesystem;
namespace {

bool write_private_file(const fs::path& file, const std::string& text) {
  const fs::path temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  return ok && ::rename(temp.c_str(), file.c_str()) == 0;
}

// One AUTH + PING. @return true on PONG; false (with the reason) otherwise.
bool ping(int port, const ServiceSpec& spec, std::string& last_error) {
  timeval timeout{1, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> c(
      redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
  if (!c || c->err != 0) {
    last_error = c ? c->errstr : "cannot allocate a connection";
    return false;
  }
  redisSetTimeout(c.get(), timeout);
  auto command = [&](std::vector<std::string> argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lengths.push_back(a.size());
    }
    return std::unique_ptr<redisReply, void (*)(void*)>(
        static_cast<redisReply*>(
            redisCommandArgv(c.get(), static_cast<int>(args.size()), args.data(), lengths.data())),
        &freeReplyObject);
  };
  if (!spec.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!spec.username.empty()) auth.push_back(spec.username);
    auth.push_back(spec.password);
    auto reply = command(std::move(auth));
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      last_error = reply ? std::string(reply->str, reply->len) : c->errstr;
      return false;
    }
  }
  auto reply = command({"PING"});
  if (!reply) {
    last_error = c->errstr;
    return false;
  }
  if (reply->type == REDIS_REPLY_STATUS && std::string(reply->str, reply->len) == "PONG") {
    return true;
  }
  last_error = std::string(reply->str ? reply->str : "", reply->len);
  return false;
}

}  // namespace

Result<std::unique_ptr<LocalServer>> start_redis(const StartContext& ctx, const ServiceSpec& spec) {
  const auto binary = detail::find_executable(ctx.options.redis_server, ctx.path_var);
  if (!binary) {
    return Error(Errc::internal,
                 "cannot provision service \"" + spec.name +
                     "\": redis-server not found (looked for \"" + ctx.options.redis_server +
                     "\" on PATH); install the Debian package redis-server "
                     "(apt-get install redis-server)",
                 {{"service", spec.name}, {"package", "redis-server"}});
  }
  const auto setpriv = detail::find_executable("setpriv", ctx.path_var + ":/usr/bin:/bin");
  if (!setpriv) {
    return Error(Errc::internal, "setpriv not found; install the Debian package util-linux",
                 {{"package", "util-linux"}});
  }
  std::error_code ec;
  fs::create_directories(spec.dir, ec);
  ::chmod(spec.dir.c_str(), 0700);
  if (ec) {
    return Error(Errc::internal, "cannot create " + spec.dir.string() + ": " + ec.message());
  }
  const fs::path conf = spec.dir / "redis.conf";
  LaunchPlan plan;
  plan.what = "redis-server";
  plan.package = "redis-server";
  plan.log_file = spec.dir / "redis.log";
  plan.pid_file = spec.dir / "throome.pid";
  plan.stop_signal = SIGTERM;  // redis-server flushes its append-only file and exits
  plan.port_taken_marker = "Address already in use";
  plan.argv_for = [&](int) {
    return detail::with_setpriv(setpriv->string(), "", "TERM", {binary->string(), conf.string()});
  };
  plan.prepare = [&](int port) -> Result<void> {
    detail::RedisSettings settings{spec.dir, port, spec.username, spec.password};
    if (!write_private_file(conf, detail::redis_config(settings))) {
      return Error(Errc::internal, "cannot write " + conf.string());
    }
    return {};
  };
  plan.probe = [&](int port, std::string& last_error) -> Result<bool> {
    return ping(port, spec, last_error);
  };
  return launch(ctx, spec, plan);
}

}  // namespace throome::provision
