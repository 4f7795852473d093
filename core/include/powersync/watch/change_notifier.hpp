#pragma once
// Delivers table-change notifications to listeners on one notifier thread.
//
// Commits mark listeners dirty (coalescing: N commits before a delivery give one
// notification); the notifier thread calls each dirty listener no sooner than its
// throttle after its previous call. Callbacks run without any notifier lock held.
// remove() returns only when the listener's callback is not running (unless called from
// that callback itself) and it will never run again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace powersync {

class ChangeNotifier {
 public:
  // `changed` is the set of watched tables that changed since the previous call
  // (empty for the initial call requested by `fire_initially`).
  using Callback = std::function<void(const std::set<std::string>& changed)>;
  using Id = std::uint64_t;

  ChangeNotifier();
  ~ChangeNotifier();  // stops the thread; pending notifications are dropped
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  // `tables` are internal table names (ps_data__todos ...). With `fire_initially` the
  // callback is scheduled once right away (watch queries emit their first result so).
  Id add(std::set<std::string> tables, std::chrono::milliseconds throttle, Callback callback,
         bool fire_initially = false);
  void remove(Id id);
  // Removes every listener (as remove() does for each) and stops delivering.
  void shutdown();

  // Called after a commit with the internal names of the changed tables.
  void notify(const std::set<std::string>& changed_tables);

  bool on_notifier_thread() const noexcept;

 private:
  struct Listener;
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::map<Id, std::shared_ptr<Listener>> listeners_;
  Id next_id_ = 1;
  Id running_ = 0;  // listener whose callback is executing
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace powersync
