// powersync_set_logger: routes powersync::log records to a host callback.

#include <mutex>

#include "error.hpp"
#include "handles.hpp"
#include "powersync/util/log.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {


std::mutex g_logger_mutex;  // serializes powersync_set_logger

// The installed logger's user_data. Deliberately leaked: at process exit the host runtime
// (Python, Node, .NET) may already be gone, so its free_user_data must not run then.
std::shared_ptr<CallbackBox>& installed_box() {
  static auto* box = new std::shared_ptr<CallbackBox>();
  return *box;
}

}  // namespace

extern "C" {

powersync_status powersync_set_logger(int32_t min_level, powersync_log_fn callback, void* user_data,
                                      void (*free_user_data)(void* user_data)) {
  return guarded([&] {
    // user_data belongs to the library from here on, also when this call fails.
    auto box = make_callback_box(user_data, free_user_data);
    if (min_level < POWERSYNC_LOG_TRACE || min_level > POWERSYNC_LOG_OFF)
      throw_invalid_argument("log level must be between 0 (trace) and 5 (off), got " + std::to_string(min_level));
    std::lock_guard lock(g_logger_mutex);
    std::shared_ptr<CallbackBox> previous = std::move(installed_box());
    if (callback == nullptr) {
      log::set_sink(log::Level::off, {});
    } else {
      log::set_sink(static_cast<log::Level>(min_level), [callback, box](log::Level level, std::string_view message) {
        try {
          const std::string text(message);  // the callback gets a NUL-terminated copy
          callback(box->user_data, static_cast<int32_t>(level), text.c_str());
        } catch (...) {
        }
      });
      installed_box() = std::move(box);
    }
    // set_sink returned, so no call into the previous logger is in flight.
    if (previous) previous->free_once();
  });
}

}  // extern "C"
