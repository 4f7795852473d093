// powersync_db_connect and friends: the database's connection to a sync service.

#include "error.hpp"
#include "handles.hpp"
#include "powersync/transport/http_client.hpp"
#include "powersync/util/version.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

std::shared_ptr<transport::HttpClient> http_client_for(const powersync_connect_options_t* options) {
  if (options == nullptr || options->ca_bundle_path.empty()) return nullptr;  // the database's default
  transport::CurlHttpClientOptions http;
  http.user_agent = transport::make_user_agent(kVersion, options->options.user_agent_binding);
  http.ca_bundle_path = options->ca_bundle_path;
  return transport::make_curl_http_client(std::move(http));
}

std::optional<int> priority_argument(int32_t priority) {
  if (priority == POWERSYNC_PRIORITY_FULL) return std::nullopt;
  if (priority < 0 || priority > 3)
    throw_invalid_argument("priority must be 0..3 or POWERSYNC_PRIORITY_FULL, got " + std::to_string(priority));
  return priority;
}

}  // namespace

namespace powersync::capi {

std::chrono::milliseconds wait_timeout(int32_t timeout_ms) {
  if (timeout_ms < -1) throw_invalid_argument("timeout_ms must be -1 or more, got " + std::to_string(timeout_ms));
  // std::chrono waits overflow on milliseconds::max(); a year is "no limit" in practice.
  return timeout_ms < 0 ? std::chrono::hours(24 * 365) : std::chrono::milliseconds(timeout_ms);
}

}  // namespace powersync::capi

extern "C" {

powersync_status powersync_db_connect(powersync_db_t* db, const powersync_connector_t* connector,
                                      const powersync_connect_options_t* options) {
  return guarded([&] {
    auto host_connector = make_host_connector(connector);  // owns user_data, even if we fail below
    require(db, "db");
    auto database = db->core->live();
    const sync::SyncOptions sync_options = options != nullptr ? options->options : sync::SyncOptions{};
    database->connect(std::move(host_connector), sync_options, http_client_for(options));
  });
}

powersync_status powersync_db_disconnect(powersync_db_t* db) {
  return guarded([&] {
    require(db, "db");
    db->core->live()->disconnect();
  });
}

powersync_status powersync_db_disconnect_and_clear(powersync_db_t* db, bool clear_local) {
  return guarded([&] {
    require(db, "db");
    db->core->live()->disconnect_and_clear(clear_local);
  });
}

powersync_status powersync_db_wait_for_first_sync(powersync_db_t* db, int32_t priority, int32_t timeout_ms,
                                                  bool* out_synced) {
  return guarded([&] {
    require(out_synced, "out_synced");
    *out_synced = false;
    require(db, "db");
    const auto wanted = priority_argument(priority);
    const auto timeout = wait_timeout(timeout_ms);
    auto database = db->core->live();
    *out_synced = database->wait_for_first_sync(wanted, timeout);
    if (!*out_synced && database->is_closed()) throw_closed();
  });
}

}  // extern "C"
