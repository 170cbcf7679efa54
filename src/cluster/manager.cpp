#include "throome/cluster/manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>

namespace throome::cluster {
namespace {

// Secret option values read back as the redaction marker; a PUT of what GET returned must
// keep the stored secret, not store the marker.
void restore_redacted_options(nlohmann::json& next, const nlohmann::json& prev) {
  if (!next.is_object()) return;
  for (auto& [key, value] : next.items()) {
    auto old = prev.is_object() ? prev.find(key) : prev.end();
    const bool has_old = prev.is_object() && old != prev.end();
    if (value.is_string() && value.get<std::string>() == config::kRedacted) {
      if (has_old) value = *old;
    } else if (value.is_object()) {
      restore_redacted_options(value, has_old ? *old : nlohmann::json::object());
    }
  }
}

void restore_redacted_secrets(config::ClusterConfig& next, const config::ClusterConfig& prev) {
  for (auto& svc : next.services) {
    const auto* old = prev.find_service(svc.name);
    if (svc.password == config::kRedacted) {
      svc.password = old != nullptr ? old->password : std::string{};
    }
    restore_redacted_options(svc.options, old != nullptr ? old->options : nlohmann::json::object());
  }
}

}  // namespace

Manager::Manager(Store& store, Registry& registry, config::EnvLookup env, Clock clock,
                 std::shared_ptr<BackendFactory> backends,
                 std::shared_ptr<provision::Provisioner> provisioner)
    : store_(store),
      registry_(registry),
      env_(std::move(env)),
      clock_(std::move(clock)),
      backends_(std::move(backends)),
      provisioner_(std::move(provisioner)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string Manager::now_rfc3339() const {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock_());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Manager::generate_id(std::string_view name, const Snapshot& current) const {
  std::string slug;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      slug.push_back(static_cast<char>(std::tolower(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "cluster";
  if (!current.find(slug) && !store_.exists(slug)) return slug;
  thread_local std::mt19937 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  for (;;) {
    std::string id = slug + "-";
    for (int i = 0; i < 6; ++i) id.push_back(kHex[rng() & 0xf]);
    if (!current.find(id) && !store_.exists(id)) return id;
  }
}

Result<Manager::Built> Manager::build(config::ClusterConfig cfg) const {
  auto resolved = config::resolve_env(cfg, env_);
  if (!resolved) return resolved.error();
  Built out;
  if (provisioner_) {
    // Starts (or reuses) the local servers and fills in their ports and passwords.
    auto started = provisioner_->start(cfg, *resolved);
    if (!started) return started.error();
    out.started = std::move(*started);
  }
  auto backends = backends_ ? backends_->create(*resolved) : nullptr;
  out.cluster =
      std::make_shared<const Cluster>(std::move(cfg), std::move(*resolved), std::move(backends));
  return out;
}

void Manager::retain_provisioned(std::string_view id, const config::ClusterConfig* cfg,
                                 bool remove_data) const {
  if (!provisioner_) return;
  std::vector<std::string> keep;
  if (cfg != nullptr) {
    for (const auto& svc : cfg->services) {
      if (svc.provision) keep.push_back(svc.name);
    }
  }
  provisioner_->retain(id, keep, remove_data);
}

Manager::LoadSummary Manager::load() {
  std::lock_guard lock(mu_);
  auto report = store_.load_all();
  LoadSummary summary;
  std::vector<ClusterPtr> clusters;
  for (auto& loaded : report.clusters) {
    for (const auto& w : loaded.warnings) {
      spdlog::warn("cluster file {}: {}", loaded.file.string(), w.to_string());
    }
    const auto as_read = loaded.config;
    auto built = build(std::move(loaded.config));
    if (!built) {
      report.failures.push_back({loaded.file, built.error().message()});
      continue;
    }
    if (built->cluster->config() != as_read) {
      // The provisioner chose ports or a password: keep them for the next start.
      if (auto saved = store_.save(built->cluster->config()); !saved) {
        spdlog::error("cluster {}: cannot store provisioned settings: {}", built->cluster->id(),
                      saved.error().details().dump());
      }
    }
    clusters.push_back(std::move(built->cluster));
  }
  for (const auto& f : report.failures) {
    spdlog::error("cluster file {} skipped: {}", f.file.string(), f.reason);
  }
  summary.loaded = clusters.size();
  summary.failures = report.failures;
  registry_.replace_all(std::move(clusters));
  {
    std::lock_guard flock(failures_mu_);
    failures_ = std::move(report.failures);
  }
  return summary;
}

Manager::LoadSummary Manager::reload() {
  std::lock_guard lock(mu_);
  auto report = store_.load_all();
  auto current = registry_.snapshot();
  LoadSummary summary;
  std::vector<ClusterPtr> next;
  std::vector<std::string> broken_ids;
  for (const auto& f : report.failures) {
    // A cluster whose file became unreadable keeps running with its last good version.
    auto id = f.file.parent_path().filename().string();
    if (f.file.filename() != "config.yaml") id = f.file.filename().string();
    if (auto running = current->find(id)) {
      spdlog::error("reload: cluster file {} is broken ({}); keeping the running version",
                    f.file.string(), f.reason);
      next.push_back(running);
    } else {
      spdlog::error("reload: cluster file {} skipped: {}", f.file.string(), f.reason);
    }
  }
  for (auto& loaded : report.clusters) {
    auto running = current->find(loaded.config.cluster_id);
    if (running && running->config() == loaded.config) {
      next.push_back(running);  // unchanged: keep the same instance (and its connections)
      continue;
    }
    const auto as_read = loaded.config;
    auto built = build(std::move(loaded.config));
    if (!built) {
      spdlog::error("reload: cluster file {} skipped: {}", loaded.file.string(),
                    built.error().message());
      if (running) next.push_back(running);
      report.failures.push_back({loaded.file, built.error().message()});
      continue;
    }
    if (built->cluster->config() != as_read) {
      if (auto saved = store_.save(built->cluster->config()); !saved) {
        spdlog::error("cluster {}: cannot store provisioned settings: {}", built->cluster->id(),
                      saved.error().details().dump());
      }
    }
    retain_provisioned(built->cluster->id(), &built->cluster->config(), true);
    next.push_back(std::move(built->cluster));
  }
  // Clusters whose files went away: their servers stop, their data stays in the state dir.
  for (const auto& entry : current->clusters) {
    const std::string& id = entry.first;
    const bool kept =
        std::any_of(next.begin(), next.end(), [&](const ClusterPtr& c) { return c->id() == id; });
    if (!kept) retain_provisioned(id, nullptr, false);
  }
  summary.loaded = next.size();
  summary.failures = report.failures;
  registry_.replace_all(std::move(next));
  {
    std::lock_guard flock(failures_mu_);
    failures_ = std::move(report.failures);
  }
  spdlog::info("reload: {} cluster(s) loaded, {} file(s) skipped", summary.loaded,
               summary.failures.size());
  return summary;
}

Result<ClusterPtr> Manager::create(config::ClusterConfig cfg) {
  std::lock_guard lock(mu_);
  auto current = registry_.snapshot();
  if (cfg.cluster_id.empty()) {
    cfg.cluster_id = generate_id(cfg.name, *current);
  } else if (current->find(cfg.cluster_id) || store_.exists(cfg.cluster_id)) {
    return Error(Errc::conflict, "cluster \"" + cfg.cluster_id + "\" already exists");
  }
  const auto now = now_rfc3339();
  if (cfg.created_at.empty()) cfg.created_at = now;
  cfg.updated_at = now;
  const std::string id = cfg.cluster_id;
  auto built = build(std::move(cfg));
  if (!built) return built.error();
  if (auto saved = store_.save(built->cluster->config()); !saved) {
    if (provisioner_) provisioner_->rollback(id, built->started);
    return saved.error();
  }
  registry_.upsert(built->cluster);
  spdlog::info("cluster {} created ({} service(s))", id, built->cluster->config().services.size());
  return built->cluster;
}

Result<ClusterPtr> Manager::update(std::string_view id, config::ClusterConfig cfg) {
  std::lock_guard lock(mu_);
  auto existing = registry_.find(id);
  if (!existing) return Error(Errc::not_found, "cluster \"" + std::string(id) + "\" not found");
  if (!cfg.cluster_id.empty() && cfg.cluster_id != id) {
    return Error(Errc::bad_request, "cluster_id in the body does not match the URL",
                 "body has \"" + cfg.cluster_id + "\", URL has \"" + std::string(id) + "\"");
  }
  cfg.cluster_id = std::string(id);
  restore_redacted_secrets(cfg, existing->config());
  cfg.created_at = existing->config().created_at;
  cfg.updated_at = now_rfc3339();
  auto built = build(std::move(cfg));
  if (!built) return built.error();
  if (auto saved = store_.save(built->cluster->config()); !saved) {
    if (provisioner_) provisioner_->rollback(id, built->started);
    return saved.error();
  }
  registry_.upsert(built->cluster);
  retain_provisioned(id, &built->cluster->config(), true);
  spdlog::info("cluster {} updated", id);
  return built->cluster;
}

Result<void> Manager::remove(std::string_view id) {
  std::lock_guard lock(mu_);
  if (!registry_.find(id)) {
    return Error(Errc::not_found, "cluster \"" + std::string(id) + "\" not found");
  }
  auto removed = store_.remove(id);
  if (!removed && removed.error().code() != Errc::not_found) return removed.error();
  registry_.erase(id);
  retain_provisioned(id, nullptr, true);
  spdlog::info("cluster {} deleted", id);
  return {};
}

Result<void> Manager::check(const config::ClusterConfig& cfg) const {
  auto resolved = config::resolve_env(cfg, env_);
  if (!resolved) return resolved.error();
  return {};
}

std::vector<Store::Failure> Manager::last_failures() const {
  std::lock_guard lock(failures_mu_);
  return failures_;
}

}  // namespace throome::cluster
