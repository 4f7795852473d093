#pragma once
// Wakes sync streams when the bucket storage changed (new ops or a new write checkpoint), and
// wakes the stream hub for other reasons (a new stream to serve) without a storage change.

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
  // Ends the current (or next) wait() early without counting as a storage change.
  void wake() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    cv_.notify_all();
  }
  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  // Returns the current generation once it differs from `seen`, at `deadline`, on wake() or on stop().
  std::uint64_t wait(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return generation_ != seen || stopped_ || woken_; });
    woken_ = false;
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
  bool woken_ = false;
  bool stopped_ = false;
};

}  // namespace powersync::devserver
