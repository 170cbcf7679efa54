#include "provision/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "provision/secrets.hpp"

namespace throome::provision::detail {
namespace fs = std::filesystem;

std::string redis_quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

std::string redis_config(const RedisSettings& s) {
  std::string out;
  out += "# Written by throome for a provisioned service; rewritten at every start.\n";
  out += "bind 127.0.0.1\n";
  out += "protected-mode yes\n";
  out += "port " + std::to_string(s.port) + "\n";
  out += "daemonize no\n";
  out += "supervised no\n";
  out += "pidfile \"\"\n";
  out += "logfile \"\"\n";  // stdout, which is the service's redis.log
  out += "dir " + redis_quote(s.dir.string()) + "\n";
  out += "appendonly yes\n";
  out += "appendfsync everysec\n";
  const std::string user = s.username.empty() ? "default" : s.username;
  const std::string pass = s.password.empty() ? "nopass" : "#" + sha256_hex(s.password);
  if (user != "default") out += "user default off\n";
  out += "user " + redis_quote(user) + " on " + pass + " ~* &* +@all\n";
  return out;
}

std::vector<std::string> initdb_argv(const fs::path& bin_dir, const fs::path& data_dir) {
  return {(bin_dir / "initdb").string(),
          "-D",
          data_dir.string(),
          "-U",
          "postgres",
          "--auth-local=trust",
          "--auth-host=scram-sha-256",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-instructions"};
}

std::vector<std::string> postgres_argv(const fs::path& bin_dir, const fs::path& data_dir,
                                       int port) {
  return {(bin_dir / "postgres").string(),
          "-D",
          data_dir.string(),
          "-p",
          std::to_string(port),
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "unix_socket_directories=" + data_dir.string(),
          "-c",
          "logging_collector=off"};
}

std::vector<std::string> with_setpriv(const std::string& setpriv, std::string_view user,
                                      std::string_view death_signal,
                                      std::vector<std::string> argv) {
  std::vector<std::string> out{setpriv};
  if (!user.empty()) {
    out.push_back("--reuid=" + std::string(user));
    out.push_back("--regid=" + std::string(user));
    out.push_back("--init-groups");
  }
  // After the uid change (which clears it), setpriv sets the parent-death signal last.
  out.push_back("--pdeathsig");
  out.push_back(std::string(death_signal));
  out.push_back("--");
  out.insert(out.end(), std::make_move_iterator(argv.begin()), std::make_move_iterator(argv.end()));
  return out;
}

namespace {

bool executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<fs::path> find_executable(std::string_view name, std::string_view path_var) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    if (executable(fs::path(name))) return fs::path(name);
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string_view::npos) end = path_var.size();
    const auto dir = path_var.substr(start, end - start);
    if (!dir.empty()) {
      fs::path candidate = fs::path(dir) / name;
      if (executable(candidate)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<fs::path> find_postgres_bin_dir(std::string_view configured,
                                              std::string_view path_var,
                                              const fs::path& debian_root) {
  auto complete = [](const fs::path& dir) {
    return executable(dir / "initdb") && executable(dir / "postgres");
  };
  if (!configured.empty()) {
    if (complete(fs::path(configured))) return fs::path(configured);
    return std::nullopt;
  }
  if (auto on_path = find_executable("postgres", path_var)) {
    if (complete(on_path->parent_path())) return on_path->parent_path();
  }
  // Debian keeps the server binaries per major version, off PATH: take the newest.
  std::error_code ec;
  std::vector<std::pair<long, fs::path>> versions;
  for (const auto& entry : fs::directory_iterator(debian_root, ec)) {
    const auto name = entry.path().filename().string();
    char* end = nullptr;
    const long v = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str()) continue;
    if (complete(entry.path() / "bin")) versions.emplace_back(v, entry.path() / "bin");
  }
  if (versions.empty()) return std::nullopt;
  std::sort(versions.begin(), versions.end());
  return versions.back().second;
}

fs::path postgres_socket_path(const fs::path& data_dir, int port) {
  return data_dir / (".s.PGSQL." + std::to_string(port));
}

}  // namespace throome::provision::detail
