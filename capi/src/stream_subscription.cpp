// powersync_stream_subscription_t and powersync_subscribe_options_t: Sync Streams.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

extern "C" {

powersync_status powersync_subscribe_options_new(powersync_subscribe_options_t** out_options) {
  return guarded([&] {
    require(out_options, "out_options");
    *out_options = new powersync_subscribe_options_t();
  });
}

powersync_status powersync_subscribe_options_set_ttl_seconds(powersync_subscribe_options_t* options,
                                                             int64_t ttl_seconds) {
  return guarded([&] {
    require(options, "options");
    if (ttl_seconds < 0) throw_invalid_argument("ttl must not be negative, got " + std::to_string(ttl_seconds));
    options->options.ttl = std::chrono::seconds(ttl_seconds);
  });
}

powersync_status powersync_subscribe_options_set_priority(powersync_subscribe_options_t* options, int32_t priority) {
  return guarded([&] {
    require(options, "options");
    if (priority < 0 || priority > 3) throw_invalid_argument("priority must be 0..3, got " + std::to_string(priority));
    options->options.priority = priority;
  });
}

void powersync_subscribe_options_free(powersync_subscribe_options_t** options) {
  if (options == nullptr) return;
  delete *options;
  *options = nullptr;
}

powersync_status powersync_db_subscribe_stream(powersync_db_t* db, const char* name, const char* params_json,
                                               const powersync_subscribe_options_t* options,
                                               powersync_stream_subscription_t** out_subscription) {
  return guarded([&] {
    require(out_subscription, "out_subscription");
    *out_subscription = nullptr;
    require(db, "db");
    require(name, "name");
    auto database = db->core->live();
    auto handle = std::make_unique<powersync_stream_subscription_t>();
    handle->core = db->core;
    handle->subscription = database->sync_stream(name, optional_params(params_json))
                               .subscribe(options != nullptr ? options->options : sync::SubscribeOptions{});
    *out_subscription = handle.release();
  });
}

powersync_status powersync_db_unsubscribe_all_stream(powersync_db_t* db, const char* name, const char* params_json) {
  return guarded([&] {
    require(db, "db");
    require(name, "name");
    db->core->live()->sync_stream(name, optional_params(params_json)).unsubscribe_all();
  });
}

const char* powersync_stream_subscription_get_name(const powersync_stream_subscription_t* subscription) {
  return subscription != nullptr ? subscription->subscription->name().c_str() : nullptr;
}

const char* powersync_stream_subscription_get_params_json(const powersync_stream_subscription_t* subscription) {
  if (subscription == nullptr) return nullptr;
  const auto& params = subscription->subscription->parameters_json();
  return params ? params->c_str() : nullptr;
}

powersync_status powersync_stream_subscription_wait_for_first_sync(powersync_stream_subscription_t* subscription,
                                                                   int32_t timeout_ms, bool* out_synced) {
  return guarded([&] {
    require(out_synced, "out_synced");
    *out_synced = false;
    require(subscription, "subscription");
    const auto timeout = wait_timeout(timeout_ms);
    subscription->core->live();  // throws once closed
    *out_synced = subscription->subscription->wait_for_first_sync(timeout);
    if (!*out_synced) subscription->core->live();  // a close ended the wait: say so
  });
}

void powersync_stream_subscription_unsubscribe(powersync_stream_subscription_t** subscription) {
  if (subscription == nullptr || *subscription == nullptr) return;
  std::unique_ptr<powersync_stream_subscription_t> owned(std::exchange(*subscription, nullptr));
  guarded_void("powersync_stream_subscription_unsubscribe", [&] { owned->subscription->unsubscribe(); });
}

}  // extern "C"
