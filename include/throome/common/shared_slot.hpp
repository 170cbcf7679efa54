#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace throome {

/// A shared_ptr that many threads read while others replace it: load() copies it under a
/// short lock; store() swaps it in and lets the old value go after the lock is released.
///
/// Used instead of std::atomic<std::shared_ptr<T>>. libstdc++ 12 implements that with a lock
/// bit too (it is not lock-free), and its load() releases that lock with a relaxed store, so
/// a load does not happen-before the next store: ThreadSanitizer reports every store after a
/// concurrent load as a data race. An uncontended std::mutex costs about the same and is
/// well-defined.
template <class T>
class SharedSlot {
 public:
  explicit SharedSlot(std::shared_ptr<T> value = nullptr) : value_(std::move(value)) {}
  SharedSlot(const SharedSlot&) = delete;
  SharedSlot& operator=(const SharedSlot&) = delete;

  std::shared_ptr<T> load() const {
    std::lock_guard lock(mu_);
    return value_;
  }

  void store(std::shared_ptr<T> value) {
    {
      std::lock_guard lock(mu_);
      value_.swap(value);
    }
    // `value` now holds the previous pointer: its destructor (maybe the last owner's) runs
    // here, outside the lock.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;
};

}  // namespace throome
