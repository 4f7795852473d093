// powersync_listener_t: on_change, watch and sync status registrations, and their removal.
//
// Each registration owns a CallbackBox shared by the core's std::function and tracked
// (weakly) by the database and the listener handle; free_user_data runs exactly once,
// when the listener is removed or the database closes.

#include "error.hpp"
#include "handles.hpp"
#include "powersync/util/log.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace powersync::capi {

std::shared_ptr<CallbackBox> make_callback_box(void* user_data, void (*free_user_data)(void*)) {
  try {
    return std::make_shared<CallbackBox>(user_data, free_user_data);
  } catch (...) {
    if (free_user_data != nullptr) free_user_data(user_data);
    throw;
  }
}

}  // namespace powersync::capi

namespace {

// The box whose callback runs on this thread, so a removal from inside it can tell.
thread_local const CallbackBox* t_running_box = nullptr;

// Calls `invoke` (the host callback) unless the listener was removed, and finishes a
// removal that happened inside the callback by freeing user_data right after it returns.
template <typename Invoke>
void deliver(CallbackBox& box, const char* kind, Invoke&& invoke) noexcept {
  if (box.removed.load()) return;
  const CallbackBox* outer = t_running_box;
  t_running_box = &box;
  const int32_t status = invoke();
  t_running_box = outer;
  if (status != POWERSYNC_OK) {
    try {
      log::warn(std::string(kind) + " callback returned status " + std::to_string(status) + " (" +
                powersync_status_name(status) + ")");
    } catch (...) {
    }
  }
  if (box.free_after_call.load()) box.free_once();
}

template <typename Register>
void register_listener(powersync_db_t* db, void* user_data, void (*free_user_data)(void*), const void* callback,
                       powersync_listener_t** out_listener, Register register_on) {
  auto box = make_callback_box(user_data, free_user_data);  // from here on, box owns user_data
  require(out_listener, "out_listener");
  *out_listener = nullptr;
  require(db, "db");
  require(callback, "callback");
  auto handle = std::make_unique<powersync_listener_t>();
  auto database = db->core->live();
  db->core->track(box);
  handle->core = db->core;
  handle->box = box;
  handle->id = register_on(*database, box);
  *out_listener = handle.release();
}

}  // namespace

extern "C" {

powersync_status powersync_db_on_change(powersync_db_t* db, const char* const* tables, size_t table_count,
                                        const powersync_watch_options_t* options, powersync_change_fn callback,
                                        void* user_data, void (*free_user_data)(void* user_data),
                                        powersync_listener_t** out_listener) {
  return guarded([&] {
    std::vector<std::string> names;
    auto check_tables = [&] {
      if (table_count == 0) throw_invalid_argument("table_count is 0: an on_change listener needs at least one table");
      require(tables, "tables");
      for (size_t i = 0; i < table_count; ++i) {
        if (tables[i] == nullptr) throw_invalid_argument("argument 'tables[" + std::to_string(i) + "]' is NULL");
        names.emplace_back(tables[i]);
      }
    };
    const WatchOptions watch_options = options != nullptr ? options->options : WatchOptions{};
    register_listener(db, user_data, free_user_data, reinterpret_cast<const void*>(callback), out_listener,
                      [&](Database& database, const std::shared_ptr<CallbackBox>& box) {
                        check_tables();
                        return database.on_change(
                            names, watch_options, [box, callback](const std::vector<std::string>& changed) {
                              std::vector<const char*> pointers;
                              pointers.reserve(changed.size());
                              for (const auto& name : changed) pointers.push_back(name.c_str());
                              deliver(*box, "on_change", [&] {
                                return callback(box->user_data, pointers.data(), pointers.size());
                              });
                            });
                      });
  });
}

powersync_status powersync_db_watch(powersync_db_t* db, const char* sql, const powersync_params_t* params,
                                    const powersync_watch_options_t* options, powersync_watch_fn callback,
                                    void* user_data, void (*free_user_data)(void* user_data),
                                    powersync_listener_t** out_listener) {
  return guarded([&] {
    const WatchOptions watch_options = options != nullptr ? options->options : WatchOptions{};
    register_listener(db, user_data, free_user_data, reinterpret_cast<const void*>(callback), out_listener,
                      [&](Database& database, const std::shared_ptr<CallbackBox>& box) {
                        require(sql, "sql");
                        return database.watch(
                            sql, params_or_empty(params), watch_options,
                            [box, callback](const ResultSet* rows, const Error* error) {
                              if (rows != nullptr) {
                                powersync_cursor_t cursor(rows);
                                deliver(*box, "watch",
                                        [&] { return callback(box->user_data, POWERSYNC_OK, nullptr, &cursor); });
                              } else {
                                const auto status = error != nullptr ? static_cast<powersync_status>(error->code())
                                                                     : POWERSYNC_ERROR_INTERNAL;
                                const char* message = error != nullptr ? error->what() : "watch query failed";
                                deliver(*box, "watch", [&] { return callback(box->user_data, status, message, nullptr); });
                              }
                            });
                      });
  });
}

powersync_status powersync_db_on_sync_status(powersync_db_t* db, powersync_sync_status_fn callback, void* user_data,
                                             void (*free_user_data)(void* user_data),
                                             powersync_listener_t** out_listener) {
  return guarded([&] {
    register_listener(db, user_data, free_user_data, reinterpret_cast<const void*>(callback), out_listener,
                      [&](Database& database, const std::shared_ptr<CallbackBox>& box) {
                        return database.on_sync_status([box, callback](const sync::SyncStatus& status) {
                          std::unique_ptr<powersync_sync_status_t> snapshot;
                          try {
                            snapshot = make_sync_status(status);
                          } catch (...) {
                            log_swallowed("building a sync status snapshot");
                            return;
                          }
                          deliver(*box, "sync status", [&] { return callback(box->user_data, snapshot.get()); });
                        });
                      });
  });
}

void powersync_listener_remove(powersync_listener_t** listener) {
  if (listener == nullptr || *listener == nullptr) return;
  powersync_listener_t* handle = *listener;
  *listener = nullptr;
  auto box = handle->box.lock();
  const bool inside_own_callback = box && t_running_box == box.get();
  if (box) {
    box->removed = true;
    box->free_after_call = inside_own_callback;
  }
  if (auto core = handle->core.lock()) {
    guarded_void("powersync_listener_remove", [&] {
      try {
        core->live()->remove_listener(handle->id);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::closed) throw;  // closing already removed it
      }
    });
  }
  // Inside its own callback, deliver() frees user_data once the callback returns.
  if (box && !inside_own_callback) box->free_once();
  delete handle;
}

}  // extern "C"
