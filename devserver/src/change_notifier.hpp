#pragma once
// Wakes sync streams when the bucket storage changed (new ops or a new write checkpoint), and
// wakes the stream hub for other reasons (a new stream to serve) without a storage change.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace powersync::devserver {

class ChangeNotifier {
 public:
  void notify() {
    std::lock_guard lock(mutex_);
    ++generation_;
    cv_.notify_all();
  }
  // notify(), also counting a change of each backend table in `tables` (streams whose lookups
  // read one of them re-resolve their buckets).
  void notify(const std::vector<std::string>& tables) {
    std::lock_guard lock(mutex_);
    for (const auto& t : tables) ++table_versions_[t];
    ++generation_;
    cv_.notify_all();
  }
  // Grows whenever one of `tables` changed.
  std::uint64_t table_versions(const std::vector<std::string>& tables) {
    std::lock_guard lock(mutex_);
    std::uint64_t sum = 0;
    for (const auto& t : tables)
      if (auto it = table_versions_.find(t); it != table_versions_.end()) sum += it->second;
    return sum;
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
  std::map<std::string, std::uint64_t, std::less<>> table_versions_;
  bool woken_ = false;
  bool stopped_ = false;
};

}  // namespace powersync::devserver
