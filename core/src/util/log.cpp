#include "powersync/util/log.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace powersync::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::off)};

// Writers hold the lock shared while calling the sink, so set_sink (exclusive) returns only
// once no call into the previous sink is in flight.
std::shared_mutex& sink_mutex() {
  static auto* mutex = new std::shared_mutex;  // leaked: usable during static destruction
  return *mutex;
}
Sink& current_sink() {
  static auto* sink = new Sink;
  return *sink;
}

}  // namespace

void set_sink(Level min_level, Sink sink) {
  std::unique_lock lock(sink_mutex());
  current_sink() = std::move(sink);
  g_min_level.store(current_sink() ? static_cast<int>(min_level) : static_cast<int>(Level::off),
                    std::memory_order_release);
}

bool enabled(Level level) noexcept {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_acquire);
}

void write(Level level, std::string_view message) noexcept {
  if (!enabled(level)) return;
  try {
    std::shared_lock lock(sink_mutex());
    if (current_sink()) current_sink()(level, message);
  } catch (...) {
    // A failing sink must not take the caller down; the record is dropped.
  }
}

}  // namespace powersync::log
