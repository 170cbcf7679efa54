#include "adapters/postgres/pipeline_group.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace throome::postgres::detail {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

// A connection whose oldest call has waited longer than this runs something slow: new calls
// do not queue behind it (they take another connection, or wait for one).
constexpr auto kStall = std::chrono::milliseconds(5);

}  // namespace

PipelineGroup::PipelineGroup(asio::any_io_executor executor, std::shared_ptr<Pool> pool,
                             std::size_t share)
    : executor_(std::move(executor)),
      pool_(std::move(pool)),
      share_(std::max<std::size_t>(1, share)),
      depth_(std::max<std::size_t>(1, pool_->options().pipeline_depth)),
      expiry_(executor_) {}

void PipelineGroup::prune() {
  conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                              [](const auto& c) { return !c->accepting() && c->depth() == 0; }),
               conns_.end());
}

void PipelineGroup::submit(std::shared_ptr<Job> job) {
  if (closed_) {
    job->complete(Error(Errc::backend_unavailable, "the PostgreSQL client is closed",
                        json{{"phase", "connect"}}));
    return;
  }
  prune();
  const auto now = Clock::now();
  const bool waiters = pool_->has_waiters();
  if (!waiting_.empty() && !waiters) {
    // Calls already wait here: this one goes behind them (first come, first served).
    wait(std::move(job), now);
    dispatch();
    return;
  }
  // A connection with nothing in flight; else the least busy one answering promptly.
  PipelineConnection* best = nullptr;
  std::size_t active = 0;
  if (!waiters) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      auto& c = conns_[i];
      if (!c->accepting()) continue;
      ++active;
      if (c->depth() == 0) {
        if (!c->check_quiet(now)) continue;  // closed by the server while idle
        c->start(std::move(job));
        return;
      }
      if (c->depth() < depth_ && !c->stalled(now, kStall) &&
          (best == nullptr || c->depth() < best->depth())) {
        best = c.get();
      }
    }
  } else {
    for (auto& c : conns_) active += c->accepting() ? 1 : 0;
  }
  // Grow while this group is below its share and the pool has room.
  if (!waiters && conns_.size() + opening_ < share_) {
    auto lend = pool_->lend();
    if (lend.conn) {
      auto c = std::make_shared<PipelineConnection>(executor_, std::move(lend.conn), pool_,
                                                    weak_from_this());
      if (c->begin()) {
        conns_.push_back(c);
        c->start(std::move(job));
        return;
      }
    } else if (lend.open) {
      ++opening_;
      std::weak_ptr<PipelineGroup> weak = weak_from_this();
      pool_->open_for(executor_, [weak](Result<std::unique_ptr<Connection>> opened) {
        if (auto self = weak.lock()) self->on_opened(std::move(opened));
      });
      // This call waits for the new connection rather than queue behind a busy one: what
      // runs there may be slow.
      connecting_.emplace_back();
      connecting_.back().push_back(std::move(job));
      return;
    } else if (lend.error && best == nullptr && opening_ == 0) {
      job->complete(*lend.error);  // the backend is down: fail fast, as the pool does
      return;
    }
  }
  if (best != nullptr) {
    best->start(std::move(job));
    return;
  }
  if (!connecting_.empty() && !waiters) {
    auto& bucket =
        *std::min_element(connecting_.begin(), connecting_.end(),
                          [](const auto& a, const auto& b) { return a.size() < b.size(); });
    if (bucket.size() < depth_) {
      bucket.push_back(std::move(job));
      return;
    }
  }
  if (!waiters && active > 0) {
    // Every connection of this thread is stalled behind something slow: wait for the first
    // to answer (no worker, no hop), bounded like the pool's queue.
    wait(std::move(job), now);
    return;
  }
  // No connection here, or calls wait for the pool (a transaction): join its queue.
  pool_->submit(std::move(job));
}

PipelineConnection* PipelineGroup::pick(Clock::time_point now) {
  PipelineConnection* best = nullptr;
  for (auto& c : conns_) {
    if (!c->accepting() || c->depth() >= depth_) continue;
    if (c->depth() > 0 && c->stalled(now, kStall)) continue;
    if (best == nullptr || c->depth() < best->depth()) best = c.get();
  }
  return best;
}

void PipelineGroup::wait(std::shared_ptr<Job> job, Clock::time_point now) {
  const std::size_t waiting = pool_->waiting_total();
  if (waiting >= pool_->options().max_waiting) {
    job->complete(pool_->exhausted(pool_->stats().open, waiting));
    return;
  }
  job->enqueued_at = now;
  waiting_.push_back(std::move(job));
  pool_->pipeline_waiting().fetch_add(1, std::memory_order_relaxed);
  arm_expiry();
}

void PipelineGroup::dispatch() {
  if (waiting_.empty() || closed_) return;
  const auto now = Clock::now();
  while (!waiting_.empty() && !pool_->has_waiters()) {
    PipelineConnection* c = pick(now);
    if (c == nullptr) break;
    auto job = std::move(waiting_.front());
    waiting_.pop_front();
    pool_->pipeline_waiting().fetch_sub(1, std::memory_order_relaxed);
    c->start(std::move(job));
  }
  if (waiting_.empty()) return;
  bool any = false;
  for (auto& c : conns_) any = any || c->accepting();
  if (!any || pool_->has_waiters()) {
    // Nothing here will take them (connections lost or being given back): the pool's queue.
    auto jobs = std::move(waiting_);
    waiting_.clear();
    pool_->pipeline_waiting().fetch_sub(jobs.size(), std::memory_order_relaxed);
    for (auto& job : jobs) pool_->submit(std::move(job));
  }
}

void PipelineGroup::arm_expiry() {
  if (expiry_armed_ || waiting_.empty()) return;
  expiry_armed_ = true;
  expiry_.expires_at(waiting_.front()->enqueued_at + pool_->options().wait_timeout);
  expiry_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->expiry_armed_ = false;
    if (ec) return;
    const auto now = Clock::now();
    const auto limit = self->pool_->options().wait_timeout;
    while (!self->waiting_.empty() && now - self->waiting_.front()->enqueued_at >= limit) {
      auto job = std::move(self->waiting_.front());
      self->waiting_.pop_front();
      self->pool_->pipeline_waiting().fetch_sub(1, std::memory_order_relaxed);
      job->complete(self->pool_->wait_expired());
    }
    self->arm_expiry();
  });
}

void PipelineGroup::on_opened(Result<std::unique_ptr<Connection>> opened) {
  --opening_;
  // Opens finish in any order: the oldest calls go first.
  std::vector<std::shared_ptr<Job>> waiting;
  if (!connecting_.empty()) {
    waiting = std::move(connecting_.front());
    connecting_.pop_front();
  }
  if (!opened) {
    for (auto& job : waiting) job->complete(opened.error());
    return;
  }
  if (closed_) {
    pool_->give_back(std::move(*opened));
    return;
  }
  auto c =
      std::make_shared<PipelineConnection>(executor_, std::move(*opened), pool_, weak_from_this());
  if (!c->begin()) {
    for (auto& job : waiting) {
      job->complete(Error(Errc::backend_unavailable, "cannot use the new PostgreSQL connection",
                          json{{"phase", "connect"}}));
    }
    return;
  }
  conns_.push_back(c);
  for (auto& job : waiting) c->start(std::move(job));
  dispatch();
}

void PipelineGroup::reclaim() {
  asio::post(executor_, [self = shared_from_this()] {
    for (auto& c : self->conns_) {
      if (c->depth() == 0) c->retire();
    }
    self->prune();
  });
}

void PipelineGroup::close() {
  asio::post(executor_, [self = shared_from_this()] {
    self->closed_ = true;
    const Error e(Errc::backend_unavailable, "the PostgreSQL client was closed",
                  json{{"phase", "execute"}});
    for (auto& c : self->conns_) c->abort(e);
    self->conns_.clear();
    auto waiting = std::move(self->connecting_);
    self->connecting_.clear();
    for (auto& bucket : waiting) {
      for (auto& job : bucket) job->complete(e);
    }
    auto queued = std::move(self->waiting_);
    self->waiting_.clear();
    self->pool_->pipeline_waiting().fetch_sub(queued.size(), std::memory_order_relaxed);
    for (auto& job : queued) job->complete(e);
    self->expiry_.cancel();
  });
}

}  // namespace throome::postgres::detail
