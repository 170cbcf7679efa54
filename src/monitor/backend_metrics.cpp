#include "throome/monitor/backend_metrics.hpp"

#include "monitor/metrics_state.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::monitor {
namespace {

constexpr std::size_t kMaxOperationName = 32;
constexpr std::string_view kOther = "other";

bool operation_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '|' ||
         c == '-';
}

}  // namespace

std::string_view outcome_name(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::success:
      return "success";
    case Outcome::error:
      return "error";
    case Outcome::timeout:
      return "timeout";
    case Outcome::unavailable:
      return "unavailable";
    case Outcome::overloaded:
      return "overloaded";
  }
  return "error";
}

Outcome outcome_of(Errc code) noexcept {
  switch (code) {
    case Errc::ok:
      return Outcome::success;
    case Errc::timeout:
      return Outcome::timeout;
    case Errc::backend_unavailable:
      return Outcome::unavailable;
    case Errc::overloaded:
    case Errc::rate_limited:
      return Outcome::overloaded;
    default:
      return Outcome::error;
  }
}

// ---- OperationMetrics -------------------------------------------------------------------

OperationMetrics::Stats OperationMetrics::stats() const {
  Stats s;
  s.name = name_;
  for (std::size_t i = 0; i < kOutcomeCount; ++i) {
    const auto n = requests_.total(i);
    s.requests += n;
    if (i != static_cast<std::size_t>(Outcome::success)) s.errors += n;
  }
  auto h = duration_.snapshot();
  s.seconds_sum = h.sum_seconds;
  s.cumulative = std::move(h.cumulative);
  return s;
}

// ---- BackendMetrics ---------------------------------------------------------------------

BackendMetrics::BackendMetrics(std::shared_ptr<detail::MetricsState> state, std::string cluster,
                               std::string service, std::string type)
    : state_(std::move(state)),
      cluster_(std::move(cluster)),
      service_(std::move(service)),
      type_(std::move(type)) {}

BackendMetrics::~BackendMetrics() {
  // Unlisted from the exposition, unless a newer handle with the same labels took the entry.
  std::lock_guard lock(state_->mu);
  auto it = state_->backends.find(detail::MetricsState::Key{cluster_, service_, type_});
  if (it != state_->backends.end() && it->second.raw == this) state_->backends.erase(it);
}

OperationMetrics* BackendMetrics::find(std::string_view lower_name) const {
  const std::size_t n = op_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    OperationMetrics* op = ops_[i].load(std::memory_order_acquire);
    if (op->name() == lower_name) return op;
  }
  return nullptr;
}

OperationMetrics& BackendMetrics::operation(std::string_view name) {
  char buf[kMaxOperationName];
  std::string_view lower = kOther;
  if (!name.empty() && name.size() <= kMaxOperationName) {
    bool ok = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      ok = ok && operation_char(c);
      buf[i] = c;
    }
    if (ok) lower = std::string_view(buf, name.size());
  }
  if (auto* op = find(lower)) return *op;

  std::lock_guard lock(add_mu_);
  if (auto* op = find(lower)) return *op;
  const std::size_t n = op_count_.load(std::memory_order_relaxed);
  if (n >= kMaxOperations && lower != kOther) {
    // Over the cap: everything new is "other" (which always has a slot left).
    if (auto* other = find(kOther)) return *other;
    lower = kOther;
  }
  owned_.push_back(std::make_unique<OperationMetrics>(std::string(lower)));
  ops_[n].store(owned_.back().get(), std::memory_order_release);
  op_count_.store(n + 1, std::memory_order_release);
  return *owned_.back();
}

void BackendMetrics::note_result(std::chrono::nanoseconds latency, const std::string* error) {
  last_latency_ns_.store(latency.count(), std::memory_order_relaxed);
  if (error != nullptr) {
    std::lock_guard lock(error_mu_);
    last_error_ = *error;
  }
}

std::optional<std::chrono::nanoseconds> BackendMetrics::last_latency() const {
  const auto ns = last_latency_ns_.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

std::string BackendMetrics::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

std::vector<const OperationMetrics*> BackendMetrics::operations() const {
  std::vector<const OperationMetrics*> out;
  const std::size_t n = op_count_.load(std::memory_order_acquire);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(ops_[i].load(std::memory_order_acquire));
  return out;
}

std::vector<OperationMetrics::Stats> BackendMetrics::stats() const {
  std::vector<OperationMetrics::Stats> out;
  for (const auto* op : operations()) out.push_back(op->stats());
  return out;
}

}  // namespace throome::monitor
