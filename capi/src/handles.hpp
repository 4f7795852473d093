#pragma once
// The structs behind the opaque handles of powersync.h, shared by the per-object files.

#include <atomic>
#include <chrono>
#include <optional>
#include <string_view>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "powersync.h"
#include "powersync/database.hpp"
#include "powersync/sync/completion.hpp"
#include "powersync/sync/connector.hpp"
#include "powersync/sync/sync_status.hpp"
#include "powersync/sync/sync_worker.hpp"

namespace powersync::capi {

// user_data + free_user_data of one registration; free_user_data runs exactly once:
// when the registration ends or the object dies, whichever comes first.
struct CallbackBox {
  CallbackBox(void* data, void (*free_fn)(void*)) noexcept : user_data(data), free_user_data(free_fn) {}
  CallbackBox(const CallbackBox&) = delete;
  CallbackBox& operator=(const CallbackBox&) = delete;
  ~CallbackBox() { free_once(); }

  void free_once() noexcept {
    if (!freed.exchange(true) && free_user_data != nullptr) free_user_data(user_data);
  }

  void* user_data;
  void (*free_user_data)(void*);
  std::atomic<bool> removed{false};  // the listener was removed; never call it again
  std::atomic<bool> free_after_call{false};  // removed from inside its own callback
  std::atomic<bool> freed{false};
};

// Takes ownership of user_data: if the box cannot be allocated, free_user_data runs now.
std::shared_ptr<CallbackBox> make_callback_box(void* user_data, void (*free_user_data)(void*));

// A transaction and the lock that serializes its use against powersync_db_close.
struct TxState {
  std::mutex mutex;
  std::unique_ptr<Transaction> tx;  // reset by powersync_tx_free or powersync_db_close
  bool closed_by_db = false;
};

// Everything a database handle shares with the handles derived from it (transactions,
// CRUD batches, listeners), so those can outlive powersync_db_close safely.
class DbCore {
 public:
  explicit DbCore(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  // The database, or throws Error(closed) once powersync_db_close ran.
  std::shared_ptr<Database> live();
  // Adopts a freshly begun transaction; throws Error(closed) (rolling it back) if the
  // database was closed meanwhile.
  void adopt(const std::shared_ptr<TxState>& tx);
  void track(const std::shared_ptr<CallbackBox>& box);
  // Rolls back open transactions, closes the database, then frees every callback's
  // user_data. Idempotent.
  void close();

 private:
  std::shared_ptr<Database> database_;
  std::mutex mutex_;
  bool closed_ = false;
  std::vector<std::weak_ptr<TxState>> transactions_;
  std::vector<std::weak_ptr<CallbackBox>> callbacks_;
};

// Turns a NULL params pointer into an empty list.
const Params& params_or_empty(const powersync_params_t* params) noexcept;

// Hands a result to the caller as a cursor (or drops it when `out` is NULL).
void emit_cursor(ResultSet&& result, powersync_cursor_t** out);

// Validates the host's callback table and wraps a copy of it; free_user_data runs when the
// last engine reference to the connector goes.
std::shared_ptr<sync::Connector> make_host_connector(const powersync_connector_t* connector);

// A wait limit from the C convention: -1 is no limit, 0 or more milliseconds; below -1 throws.
std::chrono::milliseconds wait_timeout(int32_t timeout_ms);

// Stream parameters from a C string: NULL means none.
inline std::optional<std::string_view> optional_params(const char* params_json) {
  return params_json != nullptr ? std::optional<std::string_view>(params_json) : std::nullopt;
}

// A snapshot handle for the caller (its JSON form is built once, here).
std::unique_ptr<powersync_sync_status_t> make_sync_status(const sync::SyncStatus& status);

}  // namespace powersync::capi

struct powersync_schema_t {
  powersync::Schema schema;
  std::string json;
};

struct powersync_open_options_t {
  powersync::DatabaseOptions options;
};

struct powersync_db_t {
  std::shared_ptr<powersync::capi::DbCore> core;
  std::string client_id;
};

struct powersync_params_t {
  powersync::Params values;
};

struct powersync_cursor_t {
  powersync::ResultSet owned;
  const powersync::ResultSet* rows = &owned;  // points elsewhere for borrowed (callback) cursors
  std::size_t row = static_cast<std::size_t>(-1);  // -1: before the first row

  powersync_cursor_t() = default;
  explicit powersync_cursor_t(powersync::ResultSet&& result) : owned(std::move(result)) {}
  explicit powersync_cursor_t(const powersync::ResultSet* borrowed) : rows(borrowed) {}
  powersync_cursor_t(const powersync_cursor_t&) = delete;
  powersync_cursor_t& operator=(const powersync_cursor_t&) = delete;
};

struct powersync_tx_t {
  std::shared_ptr<powersync::capi::TxState> state;
};

struct powersync_crud_batch_t {
  powersync::CrudBatch batch;
  std::shared_ptr<powersync::capi::DbCore> core;
};

struct powersync_watch_options_t {
  powersync::WatchOptions options;
};

struct powersync_listener_t {
  std::weak_ptr<powersync::capi::DbCore> core;
  powersync::Database::ListenerId id = 0;
  std::weak_ptr<powersync::capi::CallbackBox> box;
};

struct powersync_credentials_request_t {
  std::shared_ptr<powersync::sync::Completion<std::optional<powersync::sync::Credentials>>> done;
};

struct powersync_upload_request_t {
  std::shared_ptr<powersync::sync::Completion<powersync::sync::Done>> done;
};

struct powersync_connect_options_t {
  powersync::sync::SyncOptions options;
  std::string ca_bundle_path;
};

struct powersync_sync_status_t {
  powersync::sync::SyncStatus status;
  std::string json;  // built with the snapshot, so the borrowed string needs no lock
};

struct powersync_subscribe_options_t {
  powersync::sync::SubscribeOptions options;
};

struct powersync_stream_subscription_t {
  std::shared_ptr<powersync::sync::SyncStreamSubscription> subscription;
  std::shared_ptr<powersync::capi::DbCore> core;  // tells a closed database from a slow sync
};
