// powersync_connect_options_t: how powersync_db_connect syncs.

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

// Throws unless `json` is a JSON object, so a typo fails at the call, not in the sync worker.
std::string json_object(const char* json, const char* what) {
  require(json, what);
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    throw_invalid_argument(std::string(what) + " must be a JSON object, got: " + json);
  return json;
}

std::chrono::milliseconds non_negative_ms(int32_t value, const char* what) {
  if (value < 0) throw_invalid_argument(std::string(what) + " must not be negative, got " + std::to_string(value));
  return std::chrono::milliseconds(value);
}

template <typename Set>
powersync_status set_option(powersync_connect_options_t* options, Set&& set) {
  return guarded([&] {
    require(options, "options");
    set(options->options);
  });
}

}  // namespace

extern "C" {

powersync_status powersync_connect_options_new(powersync_connect_options_t** out_options) {
  return guarded([&] {
    require(out_options, "out_options");
    *out_options = new powersync_connect_options_t();
  });
}

powersync_status powersync_connect_options_set_params_json(powersync_connect_options_t* options, const char* json) {
  return set_option(options, [&](sync::SyncOptions& o) { o.parameters_json = json_object(json, "params_json"); });
}

powersync_status powersync_connect_options_set_app_metadata_json(powersync_connect_options_t* options,
                                                                 const char* json) {
  return set_option(options,
                    [&](sync::SyncOptions& o) { o.app_metadata_json = json_object(json, "app_metadata_json"); });
}

powersync_status powersync_connect_options_set_include_default_streams(powersync_connect_options_t* options,
                                                                       bool include) {
  return set_option(options, [&](sync::SyncOptions& o) { o.include_default_streams = include; });
}

powersync_status powersync_connect_options_set_retry_delay_ms(powersync_connect_options_t* options,
                                                              int32_t delay_ms) {
  return set_option(options, [&](sync::SyncOptions& o) { o.retry_delay = non_negative_ms(delay_ms, "retry delay"); });
}

powersync_status powersync_connect_options_set_crud_upload_throttle_ms(powersync_connect_options_t* options,
                                                                       int32_t throttle_ms) {
  return set_option(options, [&](sync::SyncOptions& o) {
    o.crud_upload_throttle = non_negative_ms(throttle_ms, "upload throttle");
  });
}

powersync_status powersync_connect_options_set_stream_idle_timeout_ms(powersync_connect_options_t* options,
                                                                      int32_t timeout_ms) {
  return set_option(options, [&](sync::SyncOptions& o) {
    if (timeout_ms <= 0) throw_invalid_argument("stream idle timeout must be positive, got " + std::to_string(timeout_ms));
    o.stream_idle_timeout = std::chrono::milliseconds(timeout_ms);
  });
}

powersync_status powersync_connect_options_set_user_agent_binding(powersync_connect_options_t* options,
                                                                  const char* binding) {
  return set_option(options, [&](sync::SyncOptions& o) {
    require(binding, "binding");
    o.user_agent_binding = binding;
  });
}

powersync_status powersync_connect_options_set_ca_bundle_path(powersync_connect_options_t* options,
                                                              const char* path) {
  return guarded([&] {
    require(options, "options");
    require(path, "path");
    options->ca_bundle_path = path;
  });
}

void powersync_connect_options_free(powersync_connect_options_t** options) {
  if (options == nullptr) return;
  delete *options;
  *options = nullptr;
}

}  // extern "C"
