#include "throome/cluster/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace throome::cluster {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFileName = "config.yaml";
constexpr std::string_view kTempPrefix = ".config.yaml.tmp-";
constexpr std::string_view kDeletedPrefix = ".deleted-";

std::string random_suffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(12, '0');
  for (auto& c : s) c = kHex[rng() & 0xf];
  return s;
}

Error os_error(std::string what, const fs::path& p, int err) {
  return Error(Errc::storage_failed, "cannot store cluster",
               what + " " + p.string() + ": " + std::strerror(err));
}

// fsync of a directory makes a rename/creation inside it durable.
bool fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Store::Store(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0700);
}

fs::path Store::file_for(std::string_view id) const { return dir_ / std::string(id) / kFileName; }

bool Store::exists(std::string_view id) const {
  std::error_code ec;
  return fs::exists(file_for(id), ec);
}

Store::LoadReport Store::load_all() const {
  LoadReport report;
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with(kDeletedPrefix)) {
      // A delete that was interrupted after its rename: finish it.
      std::error_code rm_ec;
      fs::remove_all(entry.path(), rm_ec);
      continue;
    }
    if (name.starts_with('.') || !entry.is_directory(ec)) continue;
    dirs.push_back(entry.path());
  }
  if (ec) {
    report.failures.push_back({dir_, "cannot list directory: " + ec.message()});
    return report;
  }
  std::sort(dirs.begin(), dirs.end());

  for (const auto& d : dirs) {
    const auto id = d.filename().string();
    const auto file = d / kFileName;
    // Temp files of writes interrupted before their rename are garbage.
    for (const auto& entry : fs::directory_iterator(d, ec)) {
      if (entry.path().filename().string().starts_with(kTempPrefix)) {
        std::error_code rm_ec;
        fs::remove(entry.path(), rm_ec);
      }
    }
    if (!config::is_valid_cluster_id(id)) {
      report.failures.push_back({d, "directory name is not a valid cluster id"});
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      report.failures.push_back({file, std::string("cannot read: ") + std::strerror(errno)});
      continue;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = config::parse_cluster_yaml(buf.str());
    if (!parsed) {
      const Error error = parsed.error();  // error() returns a copy: keep it alive
      std::string reason = error.message();
      const auto& details = error.details();
      if (details.is_array() && details.size() > 1) {
        reason += " (and " + std::to_string(details.size() - 1) + " more)";
      }
      report.failures.push_back({file, reason});
      continue;
    }
    auto& cfg = parsed->config;
    if (cfg.cluster_id.empty()) {
      cfg.cluster_id = id;
    } else if (cfg.cluster_id != id) {
      report.failures.push_back({file, "cluster_id \"" + cfg.cluster_id +
                                           "\" does not match its directory \"" + id + "\""});
      continue;
    }
    report.clusters.push_back({std::move(cfg), std::move(parsed->warnings), file});
  }
  return report;
}

Result<void> Store::save(const config::ClusterConfig& cluster) {
  if (!config::is_valid_cluster_id(cluster.cluster_id)) {
    return Error(Errc::bad_request, "invalid cluster id");
  }
  const fs::path dir = dir_ / cluster.cluster_id;
  const fs::path target = dir / kFileName;
  const fs::path temp = dir / (std::string(kTempPrefix) + random_suffix());
  const std::string text = config::to_yaml(cluster);

  bool created_dir = false;
  if (::mkdir(dir.c_str(), 0700) == 0) {
    created_dir = true;
  } else if (errno != EEXIST) {
    return os_error("mkdir", dir, errno);
  }

  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("open", temp, errno);
  const bool written = write_all(fd, text);
  const int write_errno = errno;
  const bool synced = written && ::fsync(fd) == 0;
  const int sync_errno = errno;
  ::close(fd);
  if (!written || !synced) {
    ::unlink(temp.c_str());
    return os_error(written ? "fsync" : "write", temp, written ? sync_errno : write_errno);
  }
  if (fault_hook_) fault_hook_("before_rename");
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return os_error("rename", target, err);
  }
  if (!fsync_dir(dir)) return os_error("fsync", dir, errno);
  if (created_dir && !fsync_dir(dir_)) return os_error("fsync", dir_, errno);
  return {};
}

Result<void> Store::remove(std::string_view id) {
  if (!config::is_valid_cluster_id(id)) return Error(Errc::not_found, "cluster not found");
  const fs::path dir = dir_ / std::string(id);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Error(Errc::not_found, "cluster not found");
  const fs::path graveyard =
      dir_ / (std::string(kDeletedPrefix) + std::string(id) + "-" + random_suffix());
  if (::rename(dir.c_str(), graveyard.c_str()) != 0) return os_error("rename", dir, errno);
  if (!fsync_dir(dir_)) return os_error("fsync", dir_, errno);
  fs::remove_all(graveyard, ec);  // best effort: a leftover is finished at the next load
  return {};
}

}  // namespace throome::cluster
