// The notifier thread: picks the dirty listener that has waited longest and whose throttle
// has passed, calls it without the lock, and repeats.

#include "powersync/watch/change_notifier.hpp"

#include <exception>
#include <optional>
#include <utility>

#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"

namespace powersync {

using Clock = std::chrono::steady_clock;

struct ChangeNotifier::Listener {
  Id id = 0;
  std::set<std::string> tables;
  std::chrono::milliseconds throttle{0};
  Callback callback;
  std::set<std::string> changed;          // accumulated since the previous call
  bool dirty = false;
  Clock::time_point dirty_since{};        // delivery order: oldest change first
  std::optional<Clock::time_point> last_call_end;

  Clock::time_point due() const { return last_call_end ? *last_call_end + throttle : dirty_since; }
};

ChangeNotifier::ChangeNotifier() { thread_ = std::thread(&ChangeNotifier::run, this); }

ChangeNotifier::~ChangeNotifier() {
  shutdown();
  if (!thread_.joinable()) return;
  if (on_notifier_thread()) {
    // Destroyed from inside a callback: the thread cannot join itself. Documented as
    // unsupported (callbacks must not close the database); avoid std::terminate at least.
    log::error("ChangeNotifier destroyed on its own thread; detaching it");
    thread_.detach();
  } else {
    thread_.join();
  }
}

ChangeNotifier::Id ChangeNotifier::add(std::set<std::string> tables, std::chrono::milliseconds throttle,
                                       Callback callback, bool fire_initially) {
  if (throttle.count() < 0) throw_invalid_argument("throttle must not be negative");
  auto listener = std::make_shared<Listener>();
  listener->tables = std::move(tables);
  listener->throttle = throttle;
  listener->callback = std::move(callback);
  std::lock_guard lock(mutex_);
  if (stopping_) throw_closed();
  listener->id = next_id_++;
  if (fire_initially) {
    listener->dirty = true;
    listener->dirty_since = Clock::now();
  }
  listeners_.emplace(listener->id, listener);
  if (fire_initially) wake_.notify_all();
  return listener->id;
}

void ChangeNotifier::remove(Id id) {
  const bool from_callback = on_notifier_thread();
  std::shared_ptr<Listener> removed;  // destroyed after the lock is released
  std::unique_lock lock(mutex_);
  if (auto found = listeners_.find(id); found != listeners_.end()) {
    removed = std::move(found->second);
    listeners_.erase(found);
  }
  // On the notifier thread no other callback can be running: only wait elsewhere.
  if (!from_callback) idle_.wait(lock, [&] { return running_ != id; });
}

void ChangeNotifier::shutdown() {
  const bool from_callback = on_notifier_thread();
  std::map<Id, std::shared_ptr<Listener>> removed;
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    removed.swap(listeners_);
    wake_.notify_all();
    if (!from_callback) idle_.wait(lock, [&] { return running_ == 0; });
  }
  // Callbacks (and what they captured) are destroyed here, without the lock.
}

void ChangeNotifier::notify(const std::set<std::string>& changed_tables) {
  if (changed_tables.empty()) return;
  const auto now = Clock::now();
  bool any = false;
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  for (auto& [id, listener] : listeners_) {
    bool hit = false;
    for (const auto& table : changed_tables) {
      if (listener->tables.count(table) != 0) {
        listener->changed.insert(table);
        hit = true;
      }
    }
    if (hit && !listener->dirty) {
      listener->dirty = true;
      listener->dirty_since = now;
    }
    any = any || hit;
  }
  if (any) wake_.notify_all();
}

bool ChangeNotifier::on_notifier_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

void ChangeNotifier::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The due listener with the oldest change; ties go to the older registration.
    const auto now = Clock::now();
    std::shared_ptr<Listener> next;
    std::optional<Clock::time_point> earliest;
    for (auto& [id, listener] : listeners_) {
      if (!listener->dirty) continue;
      const auto due = listener->due();
      if (due <= now) {
        if (!next || listener->dirty_since < next->dirty_since) next = listener;
      } else if (!earliest || due < *earliest) {
        earliest = due;
      }
    }
    if (!next) {
      if (earliest) {
        wake_.wait_until(lock, *earliest);
      } else {
        wake_.wait(lock);
      }
      continue;
    }

    std::set<std::string> changed = std::move(next->changed);
    next->changed.clear();
    next->dirty = false;
    running_ = next->id;
    lock.unlock();
    try {
      next->callback(changed);
    } catch (const std::exception& e) {
      log::warn(std::string("change listener threw: ") + e.what());
    } catch (...) {
      log::warn("change listener threw a non-standard exception");
    }
    const auto finished = Clock::now();
    // If the listener was removed meanwhile, this is the last reference: drop it unlocked.
    next->last_call_end = finished;
    next.reset();
    lock.lock();
    running_ = 0;
    idle_.notify_all();
  }
}

}  // namespace powersync
