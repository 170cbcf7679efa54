#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace throome::provision::detail {

/// What a provisioned redis-server runs with.
struct RedisSettings {
  std::filesystem::path dir;  // data directory (appendonly files, dump.rdb)
  int port = 0;
  std::string username;  // empty or "default": the default user carries the password
  std::string password;  // empty: no password
};

/// The redis.conf of a provisioned server: loopback only, no daemonizing, append-only
/// persistence, and the password as an ACL SHA-256 hash (never in clear text on disk or on
/// the command line).
std::string redis_config(const RedisSettings& s);

/// `text` as a double-quoted redis.conf argument (backslash escapes, \xHH for control bytes).
std::string redis_quote(std::string_view text);

/// initdb for a data directory: superuser `postgres` reachable through the Unix socket only
/// (trust, the socket lives in the 0700 data directory), passwords (SCRAM) over TCP.
std::vector<std::string> initdb_argv(const std::filesystem::path& bin_dir,
                                     const std::filesystem::path& data_dir);

/// The postmaster on 127.0.0.1:port with its Unix socket inside the data directory.
std::vector<std::string> postgres_argv(const std::filesystem::path& bin_dir,
                                       const std::filesystem::path& data_dir, int port);

/// Prefixes `argv` with setpriv: the child gets `death_signal` when the daemon thread that
/// started it dies (no orphans after a crash or SIGKILL), and runs as `user` (uid/gid and
/// groups of that account) when `user` is set. setpriv execs: the PID stays the server's.
std::vector<std::string> with_setpriv(const std::string& setpriv, std::string_view user,
                                      std::string_view death_signal, std::vector<std::string> argv);

/// The first executable `name` in the colon-separated `path_var` (or `name` itself when it
/// contains a slash and is executable). @return nullopt when there is none.
std::optional<std::filesystem::path> find_executable(std::string_view name,
                                                     std::string_view path_var);

/// The directory holding `initdb` and `postgres`: `configured` when set, else the directory of
/// `postgres` on `path_var`, else the newest /usr/lib/postgresql/<version>/bin (`debian_root`
/// is /usr/lib/postgresql outside tests). @return nullopt when none has both binaries.
std::optional<std::filesystem::path> find_postgres_bin_dir(
    std::string_view configured, std::string_view path_var,
    const std::filesystem::path& debian_root = "/usr/lib/postgresql");

/// Longest path a Unix socket can have (sun_path holds 108 bytes with the terminator).
inline constexpr std::size_t kMaxSocketPath = 107;

/// The postmaster's socket path for a data directory and port (".s.PGSQL.<port>").
std::filesystem::path postgres_socket_path(const std::filesystem::path& data_dir, int port);

}  // namespace throome::provision::detail
