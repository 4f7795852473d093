// powersync_tx_t: explicit read and write transactions.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

// The open transaction behind `tx`; throws Error(closed) when it ended or the database closed.
Transaction& open_transaction(powersync_tx_t* tx) {
  TxState& state = *tx->state;
  if (state.closed_by_db || !state.tx) throw_closed("database is closed");
  if (!state.tx->is_open()) throw_closed("transaction is already committed or rolled back");
  return *state.tx;
}

template <typename Begin>
void begin(powersync_db_t* db, powersync_tx_t** out_tx, Begin begin_on) {
  require(out_tx, "out_tx");
  *out_tx = nullptr;
  require(db, "db");
  auto state = std::make_shared<TxState>();
  auto handle = std::make_unique<powersync_tx_t>();
  handle->state = state;
  state->tx = begin_on(*db->core->live());
  db->core->adopt(state);
  *out_tx = handle.release();
}

}  // namespace

extern "C" {

powersync_status powersync_db_begin_write(powersync_db_t* db, powersync_tx_t** out_tx) {
  return guarded([&] { begin(db, out_tx, [](Database& database) { return database.begin_write(); }); });
}

powersync_status powersync_db_begin_read(powersync_db_t* db, powersync_tx_t** out_tx) {
  return guarded([&] { begin(db, out_tx, [](Database& database) { return database.begin_read(); }); });
}

powersync_status powersync_tx_execute(powersync_tx_t* tx, const char* sql, const powersync_params_t* params,
                                      powersync_cursor_t** out_result) {
  return guarded([&] {
    if (out_result != nullptr) *out_result = nullptr;
    require(tx, "tx");
    require(sql, "sql");
    std::lock_guard lock(tx->state->mutex);
    emit_cursor(open_transaction(tx).execute(sql, params_or_empty(params)), out_result);
  });
}

powersync_status powersync_tx_get_all(powersync_tx_t* tx, const char* sql, const powersync_params_t* params,
                                      powersync_cursor_t** out_rows) {
  return guarded([&] {
    require(out_rows, "out_rows");
    *out_rows = nullptr;
    require(tx, "tx");
    require(sql, "sql");
    std::lock_guard lock(tx->state->mutex);
    emit_cursor(open_transaction(tx).get_all(sql, params_or_empty(params)), out_rows);
  });
}

powersync_status powersync_tx_commit(powersync_tx_t* tx) {
  return guarded([&] {
    require(tx, "tx");
    std::lock_guard lock(tx->state->mutex);
    open_transaction(tx).commit();
  });
}

powersync_status powersync_tx_rollback(powersync_tx_t* tx) {
  return guarded([&] {
    require(tx, "tx");
    std::lock_guard lock(tx->state->mutex);
    open_transaction(tx).rollback();
  });
}

void powersync_tx_free(powersync_tx_t** tx) {
  if (tx == nullptr || *tx == nullptr) return;
  powersync_tx_t* handle = *tx;
  *tx = nullptr;
  {
    std::lock_guard lock(handle->state->mutex);
    guarded_void("powersync_tx_free", [&] { handle->state->tx.reset(); });  // rolls back if open
  }
  delete handle;
}

}  // extern "C"
