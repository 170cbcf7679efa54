#include "throome/cluster/registry.hpp"

namespace throome::cluster {

Registry::Registry() : current_(std::make_shared<const Snapshot>()) {}

template <class F>
void Registry::modify(F&& f) {
  std::lock_guard lock(write_mu_);
  auto next = std::make_shared<Snapshot>(*current_.load());
  f(*next);
  ++next->version;
  current_.store(std::move(next));
}

void Registry::upsert(ClusterPtr cluster) {
  modify([&](Snapshot& s) { s.clusters[cluster->id()] = std::move(cluster); });
}

bool Registry::erase(std::string_view id) {
  bool erased = false;
  modify([&](Snapshot& s) {
    auto it = s.clusters.find(id);
    if (it != s.clusters.end()) {
      s.clusters.erase(it);
      erased = true;
    }
  });
  return erased;
}

void Registry::replace_all(std::vector<ClusterPtr> clusters) {
  modify([&](Snapshot& s) {
    s.clusters.clear();
    for (auto& c : clusters) {
      auto id = c->id();
      s.clusters.emplace(std::move(id), std::move(c));
    }
  });
}

}  // namespace throome::cluster
