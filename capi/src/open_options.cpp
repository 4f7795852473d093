// powersync_open_options_t: the builder for powersync_db_open.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

extern "C" {

powersync_status powersync_open_options_new(powersync_open_options_t** out_options) {
  return guarded([&] {
    require(out_options, "out_options");
    *out_options = new powersync_open_options_t();
  });
}

powersync_status powersync_open_options_set_path(powersync_open_options_t* options, const char* path) {
  return guarded([&] {
    require(options, "options");
    require(path, "path");
    if (*path == '\0') throw_invalid_argument("path is empty (use \":memory:\" for an in-memory database)");
    options->options.pool.path = path;
  });
}

powersync_status powersync_open_options_set_reader_count(powersync_open_options_t* options, int32_t count) {
  return guarded([&] {
    require(options, "options");
    if (count < 1 || count > 64)
      throw_invalid_argument("reader count must be between 1 and 64, got " + std::to_string(count));
    options->options.pool.reader_count = count;
  });
}

powersync_status powersync_open_options_set_wal(powersync_open_options_t* options, bool enabled) {
  return guarded([&] {
    require(options, "options");
    options->options.pool.wal = enabled;
  });
}

powersync_status powersync_open_options_set_busy_timeout_ms(powersync_open_options_t* options, int32_t timeout_ms) {
  return guarded([&] {
    require(options, "options");
    if (timeout_ms < 0) throw_invalid_argument("busy timeout must not be negative, got " + std::to_string(timeout_ms));
    options->options.pool.busy_timeout_ms = timeout_ms;
  });
}

powersync_status powersync_open_options_set_cache_size_kib(powersync_open_options_t* options, int32_t kib) {
  return guarded([&] {
    require(options, "options");
    if (kib < 1) throw_invalid_argument("cache size must be at least 1 KiB, got " + std::to_string(kib));
    // One knob for all connections: the writer and every reader get the same cache.
    options->options.pool.writer_cache_size_kib = kib;
    options->options.pool.reader_cache_size_kib = kib;
  });
}

void powersync_open_options_free(powersync_open_options_t** options) {
  if (options == nullptr) return;
  delete *options;
  *options = nullptr;
}

}  // extern "C"
