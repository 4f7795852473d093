#pragma once
// Stops a running HTTP request from another thread. The sync worker owns one per connection
// attempt; disconnect() calls cancel() and the blocked request returns promptly (the curl client
// wakes its poll loop at once, it does not wait for a timeout).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace powersync::transport {

class Cancellation {
 public:
  Cancellation() = default;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Thread-safe, idempotent and sticky: every later request with this token fails at once.
  void cancel();
  bool cancelled() const noexcept;

  // For HttpClient implementations: runs `wake` on cancel(), or at once when already
  // cancelled. `wake` must be quick and thread-safe. Once the returned guard is destroyed, `wake`
  // is not running and will not run again.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    friend class Cancellation;
    Registration(const Cancellation* owner, std::uint64_t id) : owner_(owner), id_(id) {}
    void reset() noexcept;
    const Cancellation* owner_ = nullptr;
    std::uint64_t id_ = 0;
  };
  [[nodiscard]] Registration on_cancel(std::function<void()> wake) const;

  // A token nobody cancels, for callers that do not need one.
  static const Cancellation& never();

 private:
  mutable std::mutex mutex_;  // held while wakers run, so unregistering waits for them
  bool cancelled_ = false;
  mutable std::uint64_t next_id_ = 1;
  mutable std::map<std::uint64_t, std::function<void()>> wakers_;
};

}  // namespace powersync::transport
