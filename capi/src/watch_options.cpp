// powersync_watch_options_t: throttle and duplicate suppression for listeners.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

extern "C" {

powersync_status powersync_watch_options_new(powersync_watch_options_t** out_options) {
  return guarded([&] {
    require(out_options, "out_options");
    *out_options = new powersync_watch_options_t();
  });
}

powersync_status powersync_watch_options_set_throttle_ms(powersync_watch_options_t* options, int32_t throttle_ms) {
  return guarded([&] {
    require(options, "options");
    if (throttle_ms < 0) throw_invalid_argument("throttle must not be negative, got " + std::to_string(throttle_ms));
    options->options.throttle = std::chrono::milliseconds(throttle_ms);
  });
}

powersync_status powersync_watch_options_set_skip_identical(powersync_watch_options_t* options, bool skip) {
  return guarded([&] {
    require(options, "options");
    options->options.skip_identical = skip;
  });
}

void powersync_watch_options_free(powersync_watch_options_t** options) {
  if (options == nullptr) return;
  delete *options;
  *options = nullptr;
}

}  // extern "C"
