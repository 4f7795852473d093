#pragma once
// Wakes sync streams when the bucket storage changed (new ops or a new write checkpoint).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace powersync::devserver {

class ChangeNotifier {
 public:
  void notify() {
    std::lock_guard lock(mutex_);
    ++generation_;
    cv_.notify_all();
  }
  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  // Returns the current generation once it differs from `seen`, at `deadline`, or on stop().
  std::uint64_t wait(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return generation_ != seen || stopped_; });
    return generation_;
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    cv_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
};

}  // namespace powersync::devserver
