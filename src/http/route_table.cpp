#include "throome/http/route_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace throome::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (out.size() == 1 && out.front().empty()) out.clear();  // "/" has no segments
  return out;
}

bool is_capture(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}

bool is_rest_capture(std::string_view seg) {
  return is_capture(seg) && seg.size() > 5 && seg.substr(seg.size() - 4) == "...}";
}

std::string capture_name(std::string_view seg) {
  seg = seg.substr(1, seg.size() - 2);
  if (seg.size() > 3 && seg.substr(seg.size() - 3) == "...") seg.remove_suffix(3);
  return std::string(seg);
}

// 2 per literal segment, 1 per capture: literal routes win over captures.
int specificity(const std::vector<std::string>& segments) {
  int score = 0;
  for (const auto& s : segments) score += is_capture(s) ? 1 : 2;
  return score;
}

}  // namespace

void RouteTable::add(std::string method, std::string path_template, Access access,
                     Handler handler) {
  if (path_template.empty() || path_template.front() != '/') {
    throw std::invalid_argument("route template must start with '/': " + path_template);
  }
  Route r;
  for (auto seg : split_path(path_template)) {
    if (seg.empty()) throw std::invalid_argument("empty segment in route: " + path_template);
    r.segments.emplace_back(seg);
  }
  for (std::size_t i = 0; i + 1 < r.segments.size(); ++i) {
    if (is_rest_capture(r.segments[i])) {
      throw std::invalid_argument("{name...} must be the last segment: " + path_template);
    }
  }
  for (const auto& existing : routes_) {
    if (existing.method == method && existing.path_template == path_template) {
      throw std::invalid_argument("duplicate route: " + method + " " + path_template);
    }
  }
  r.score = specificity(r.segments);
  r.rest = !r.segments.empty() && is_rest_capture(r.segments.back());
  r.method = std::move(method);
  r.path_template = std::move(path_template);
  r.access = access;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

RouteTable::Match RouteTable::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') {
    result.kind = Match::Kind::bad_path;
    return result;
  }
  auto segments = split_path(path);
  // Trailing slash is tolerated ("/api/v1/clusters/").
  if (!segments.empty() && segments.back().empty() && segments.size() > 1) segments.pop_back();

  // Phase 1, structure only (no allocation): which routes fit this path, and the most
  // specific one for this method.
  const Route* best = nullptr;
  int best_score = -1;
  const Route* path_best = nullptr;  // most specific route for this path, any method
  int path_score = -1;
  for (const auto& route : routes_) {
    // Cheap length filter first: most routes cannot fit this number of segments.
    if (route.rest ? segments.size() < route.segments.size()
                   : segments.size() != route.segments.size()) {
      continue;
    }
    bool ok = true;
    std::size_t i = 0;
    for (; i < route.segments.size(); ++i) {
      const auto& seg = route.segments[i];
      if (is_rest_capture(seg)) {
        ok = i < segments.size();
        i = segments.size();
        break;
      }
      if (i >= segments.size() || (is_capture(seg) ? segments[i].empty() : seg != segments[i])) {
        ok = false;
        break;
      }
    }
    if (!ok || i != segments.size()) continue;
    const int score = route.score;
    if (score > path_score) {
      path_score = score;
      path_best = &route;
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
        result.allowed.end()) {
      result.allowed.push_back(route.method);
    }
    const bool method_ok = route.method == method || (method == "HEAD" && route.method == "GET");
    if (method_ok && score > best_score) {
      best = &route;
      best_score = score;
    }
  }
  if (std::find(result.allowed.begin(), result.allowed.end(), "GET") != result.allowed.end() &&
      std::find(result.allowed.begin(), result.allowed.end(), "HEAD") == result.allowed.end()) {
    result.allowed.push_back("HEAD");
  }
  if (best == nullptr) {
    result.kind = path_best != nullptr ? Match::Kind::method_not_allowed : Match::Kind::not_found;
    if (path_best != nullptr) result.route = path_best->path_template;
    return result;
  }

  // Phase 2: decode the parameters of the chosen route only.
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    const auto& seg = best->segments[i];
    if (!is_capture(seg)) continue;
    std::string value;
    const std::size_t last = is_rest_capture(seg) ? segments.size() : i + 1;
    for (std::size_t j = i; j < last; ++j) {
      auto decoded = percent_decode(segments[j]);
      if (!decoded) {
        result.kind = Match::Kind::bad_path;
        result.params.clear();
        return result;
      }
      if (j > i) value.push_back('/');
      value += *decoded;
    }
    result.params.emplace_back(capture_name(seg), std::move(value));
  }
  result.kind = Match::Kind::found;
  result.handler = &best->handler;
  result.access = best->access;
  result.route = best->path_template;
  return result;
}

std::vector<std::pair<std::string, std::string>> RouteTable::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.emplace_back(r.method, r.path_template);
  return out;
}

std::vector<RouteTable::Entry> RouteTable::entries() const {
  std::vector<Entry> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.push_back({r.method, r.path_template, r.access});
  return out;
}

}  // namespace throome::http
