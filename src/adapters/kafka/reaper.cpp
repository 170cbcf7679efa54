#include "adapters/kafka/reaper.hpp"

#include <spdlog/spdlog.h>

namespace throome::kafka::detail {

Reaper& Reaper::instance() {
  static Reaper reaper;
  return reaper;
}

Reaper::Reaper() {
  // librdkafka threads log through spdlog while the reaper destroys their handles at exit:
  // constructing spdlog's registry first makes it outlive the reaper (statics die in reverse).
  (void)spdlog::default_logger_raw();
  thread_ = std::thread([this] { run(); });
}

Reaper::~Reaper() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Reaper::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
    ++posted_;
  }
  cv_.notify_all();
}

void Reaper::drain() {
  std::unique_lock lock(mu_);
  const std::size_t target = posted_;
  cv_.wait(lock, [&] { return done_ >= target; });
}

void Reaper::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_ and nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("kafka teardown failed: {}", e.what());
    }
    lock.lock();
    ++done_;
    cv_.notify_all();
  }
}

}  // namespace throome::kafka::detail
