// powersync_db_t: open, schema updates, statements, close.

#include <algorithm>

#include "error.hpp"
#include "handles.hpp"

namespace powersync::capi {

std::shared_ptr<Database> DbCore::live() {
  std::lock_guard lock(mutex_);
  if (closed_) throw_closed();
  return database_;
}

void DbCore::adopt(const std::shared_ptr<TxState>& tx) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_) {
      std::erase_if(transactions_, [](const auto& weak) { return weak.expired(); });
      transactions_.push_back(tx);
      return;
    }
  }
  tx->tx.reset();  // rolls back and returns the connection before the pool closes
  throw_closed();
}

void DbCore::track(const std::shared_ptr<CallbackBox>& box) {
  std::lock_guard lock(mutex_);
  if (closed_) throw_closed();
  std::erase_if(callbacks_, [](const auto& weak) { return weak.expired(); });
  callbacks_.push_back(box);
}

void DbCore::close() {
  std::vector<std::shared_ptr<TxState>> transactions;
  std::vector<std::shared_ptr<CallbackBox>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto& weak : transactions_)
      if (auto tx = weak.lock()) transactions.push_back(std::move(tx));
    for (auto& weak : callbacks_)
      if (auto box = weak.lock()) callbacks.push_back(std::move(box));
    transactions_.clear();
    callbacks_.clear();
  }
  // Open transactions hold pooled connections; the pool waits for them, so end them first.
  for (auto& state : transactions) {
    std::lock_guard lock(state->mutex);
    state->closed_by_db = true;
    guarded_void("rolling back a transaction on close", [&] { state->tx.reset(); });
  }
  guarded_void("powersync_db_close", [&] { database_->close(); });
  for (auto& box : callbacks) box->free_once();
}

const Params& params_or_empty(const powersync_params_t* params) noexcept {
  static const Params empty;
  return params != nullptr ? params->values : empty;
}

void emit_cursor(ResultSet&& result, powersync_cursor_t** out) {
  if (out != nullptr) *out = new powersync_cursor_t(std::move(result));
}

}  // namespace powersync::capi

using namespace powersync;
using namespace powersync::capi;

extern "C" {

powersync_status powersync_db_open(const powersync_open_options_t* options, const powersync_schema_t* schema,
                                   powersync_db_t** out_db) {
  return guarded([&] {
    require(out_db, "out_db");
    *out_db = nullptr;
    require(schema, "schema");
    const DatabaseOptions defaults;
    auto database = Database::open(options != nullptr ? options->options : defaults, schema->schema);
    auto handle = std::make_unique<powersync_db_t>();
    handle->client_id = database->client_id();
    handle->core = std::make_shared<DbCore>(std::move(database));
    *out_db = handle.release();
  });
}

powersync_status powersync_db_update_schema(powersync_db_t* db, const powersync_schema_t* schema) {
  return guarded([&] {
    require(db, "db");
    require(schema, "schema");
    db->core->live()->update_schema(schema->schema);
  });
}

void powersync_db_close(powersync_db_t** db) {
  if (db == nullptr || *db == nullptr) return;
  powersync_db_t* handle = *db;
  *db = nullptr;
  handle->core->close();
  delete handle;
}

powersync_status powersync_db_get_client_id(powersync_db_t* db, const char** out_client_id) {
  return guarded([&] {
    require(out_client_id, "out_client_id");
    *out_client_id = nullptr;
    require(db, "db");
    db->core->live();
    *out_client_id = db->client_id.c_str();
  });
}

powersync_status powersync_db_execute(powersync_db_t* db, const char* sql, const powersync_params_t* params,
                                      powersync_cursor_t** out_result) {
  return guarded([&] {
    if (out_result != nullptr) *out_result = nullptr;
    require(db, "db");
    require(sql, "sql");
    emit_cursor(db->core->live()->execute(sql, params_or_empty(params)), out_result);
  });
}

powersync_status powersync_db_execute_batch(powersync_db_t* db, const char* sql,
                                            const powersync_params_t* const* param_sets, size_t count,
                                            int64_t* out_rows_affected) {
  return guarded([&] {
    if (out_rows_affected != nullptr) *out_rows_affected = 0;
    require(db, "db");
    require(sql, "sql");
    if (count > 0) require(param_sets, "param_sets");
    std::vector<Params> sets;
    sets.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (param_sets[i] == nullptr)
        throw_invalid_argument("argument 'param_sets[" + std::to_string(i) + "]' is NULL");
      sets.push_back(param_sets[i]->values);
    }
    const auto changed = db->core->live()->execute_batch(sql, sets);
    if (out_rows_affected != nullptr) *out_rows_affected = changed;
  });
}

powersync_status powersync_db_get_all(powersync_db_t* db, const char* sql, const powersync_params_t* params,
                                      powersync_cursor_t** out_rows) {
  return guarded([&] {
    require(out_rows, "out_rows");
    *out_rows = nullptr;
    require(db, "db");
    require(sql, "sql");
    emit_cursor(db->core->live()->get_all(sql, params_or_empty(params)), out_rows);
  });
}

}  // extern "C"
