#pragma once

#include <memory>

#include "throome/common/error.hpp"
#include "throome/http/access.hpp"
#include "throome/http/request.hpp"

namespace throome::http {

/// Held while an admitted request runs; gives back what admission took (an in-flight slot)
/// when destroyed. Empty when nothing was taken.
class Pass {
 public:
  struct Slot {
    virtual ~Slot() = default;
    virtual void release() noexcept = 0;
  };
  Pass() = default;
  explicit Pass(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
  Pass(Pass&&) noexcept = default;
  Pass& operator=(Pass&& other) noexcept {
    if (this != &other) {
      reset();
      slot_ = std::move(other.slot_);
    }
    return *this;
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;
  ~Pass() { reset(); }

 private:
  void reset() noexcept {
    if (slot_) slot_->release();
    slot_.reset();
  }
  std::shared_ptr<Slot> slot_;
};

/// Admission control in front of every routed request: authentication, authorization and
/// rate limits. Runs on the IO thread; must not block.
class Guard {
 public:
  virtual ~Guard() = default;
  /// Decides whether `req` may run a route that needs `access`; may fill req.principal and
  /// req.read_only. @return a Pass to hold while the handler runs, or the refusal:
  /// Errc::unauthorized (no or unknown key), Errc::forbidden (outside the key's scope),
  /// Errc::rate_limited (details.retry_after_seconds), Errc::overloaded (in-flight cap).
  virtual Result<Pass> admit(Request& req, Access access) = 0;
};

}  // namespace throome::http
