#pragma once
// Work the engine asks of the host (fetch credentials, upload data) is requested through a
// Completion that the host finishes later, from any thread (ARCHITECTURE.md rule 8). The
// engine waits on it without ever blocking a host thread, and stops waiting when asked to.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>

namespace powersync::sync {

template <typename T>
class Completion {
 public:
  // The outcome: the value, or the host's failure message.
  using Outcome = std::variant<T, std::string>;

  // Each returns false if the completion was already finished (a second call is ignored).
  bool complete(T value) { return finish(Outcome(std::in_place_index<0>, std::move(value))); }
  bool fail(std::string message) { return finish(Outcome(std::in_place_index<1>, std::move(message))); }

  bool finished() const {
    std::lock_guard lock(mutex_);
    return outcome_.has_value();
  }

  // Waits for the host; nullopt when `stop` was requested first.
  std::optional<Outcome> wait(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, stop, [&] { return outcome_.has_value(); });
    if (!outcome_) return std::nullopt;
    return std::move(*outcome_);
  }

 private:
  bool finish(Outcome outcome) {
    {
      std::lock_guard lock(mutex_);
      if (outcome_) return false;
      outcome_ = std::move(outcome);
    }
    changed_.notify_all();
    return true;
  }

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::optional<Outcome> outcome_;
};

// Completion<void> carries no value.
struct Done {};

}  // namespace powersync::sync
