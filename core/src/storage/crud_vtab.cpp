#include "storage/crud_vtab.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "powersync/storage/internal_schema.hpp"
#include "powersync/util/error.hpp"
#include "storage/sql_json.hpp"

namespace powersync {
namespace {

constexpr const char* kSimpleName = "powersync_crud";
constexpr const char* kManualName = "powersync_crud_";

// TableInfoFlags of the official schema; only this one matters to the queue.
constexpr std::int64_t kIgnoreEmptyUpdate = 16;

// What both tables of one connection share: the transaction id of the SQLite transaction in
// progress, so writes through either table in one transaction get the same id.
struct CrudConnectionState {
  std::optional<std::int64_t> current_tx;
  bool capture_paused = false;
};

// Where the state is found from a bare connection handle.
constexpr const char* kStateClientDataKey = "powersync_crud_state";

// Owns one prepared statement, finalized with the table.
class OwnedStatement {
 public:
  OwnedStatement() = default;
  OwnedStatement(const OwnedStatement&) = delete;
  OwnedStatement& operator=(const OwnedStatement&) = delete;
  ~OwnedStatement() { sqlite3_finalize(stmt_); }

  // Prepares on first use; returns the SQLite result code.
  int get(sqlite3* db, const char* sql, sqlite3_stmt** out) {
    if (stmt_ == nullptr) {
      const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
      if (rc != SQLITE_OK) return rc;
    }
    *out = stmt_;
    return SQLITE_OK;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Steps a statement to completion and resets it; returns SQLITE_OK or the error code.
int run(sqlite3_stmt* stmt) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  const int reset_rc = sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : (reset_rc != SQLITE_OK ? reset_rc : rc);
}

struct CrudTable {
  sqlite3_vtab base{};  // first member: SQLite sees a sqlite3_vtab*
  sqlite3* db = nullptr;
  std::shared_ptr<CrudConnectionState> state;
  bool simple = false;

  // The transaction this table takes part in.
  bool in_transaction = false;
  std::int64_t tx_id = 0;
  bool observed_begin = false;  // this table allocated tx_id and clears the shared state
  bool had_writes = false;      // the local-write bookkeeping ran in this transaction

  OwnedStatement next_tx;
  OwnedStatement insert_crud;
  OwnedStatement insert_updated_row;
  OwnedStatement set_write_target;
  OwnedStatement clear_checkpoint_marks;
  std::string entry;  // reused buffer for the ps_crud JSON

  int fail(int rc, const std::string& message) {
    sqlite3_free(base.zErrMsg);
    base.zErrMsg = sqlite3_mprintf("%s", message.c_str());
    return rc;
  }
  int fail_sqlite(int rc) { return fail(rc, sqlite3_errmsg(db)); }

  int begin() {
    if (state->current_tx) {
      // The other table already allocated an id for this transaction.
      tx_id = *state->current_tx;
      observed_begin = false;
    } else {
      sqlite3_stmt* stmt = nullptr;
      int rc = next_tx.get(db, "UPDATE ps_tx SET next_tx = next_tx + 1 WHERE id = 1 RETURNING next_tx", &stmt);
      if (rc != SQLITE_OK) return fail_sqlite(rc);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW) {
        const int reset_rc = sqlite3_reset(stmt);
        if (rc == SQLITE_DONE) return fail(SQLITE_ERROR, "ps_tx has no row to allocate a transaction id from");
        return fail_sqlite(reset_rc != SQLITE_OK ? reset_rc : rc);
      }
      tx_id = sqlite3_column_int64(stmt, 0) - 1;
      rc = run(stmt);  // finish the statement so the update is complete
      if (rc != SQLITE_OK) return fail_sqlite(rc);
      state->current_tx = tx_id;
      observed_begin = true;
    }
    in_transaction = true;
    had_writes = false;
    return SQLITE_OK;
  }

  void end_transaction() {
    if (!in_transaction) return;
    if (observed_begin) state->current_tx.reset();
    in_transaction = false;
  }

  int insert(sqlite3_value** columns) {
    if (!in_transaction) return fail(SQLITE_MISUSE, "Not in tx");
    if (state->capture_paused) return SQLITE_OK;
    return simple ? insert_simple(columns) : insert_manual(columns);
  }

  static std::string_view text_of(sqlite3_value* value) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
    if (text == nullptr) return {};
    return {text, static_cast<std::size_t>(sqlite3_value_bytes(value))};
  }

  static std::int64_t flags_of(sqlite3_value* value) {
    return sqlite3_value_type(value) == SQLITE_NULL ? 0 : static_cast<std::uint32_t>(sqlite3_value_int64(value));
  }

  // powersync_crud_(data, options): data is the complete ps_crud entry.
  int insert_manual(sqlite3_value** columns) {
    sqlite3_stmt* stmt = nullptr;
    int rc = insert_crud.get(db,
                             "WITH insertion (tx_id, data) AS (VALUES (?1, ?2))\n"
                             "INSERT INTO ps_crud(tx_id, data)\n"
                             "SELECT * FROM insertion WHERE (NOT (?3 & 16)) OR data->>'op' != 'PATCH' "
                             "OR data->'data' != '{}'",
                             &stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    const std::string_view data = text_of(columns[0]);
    sqlite3_bind_int64(stmt, 1, tx_id);
    sqlite3_bind_text64(stmt, 2, data.data(), data.size(), SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_int64(stmt, 3, flags_of(columns[1]));
    rc = run(stmt);
    return rc == SQLITE_OK ? SQLITE_OK : fail_sqlite(rc);
  }

  // powersync_crud(op, id, type, data, old_values, metadata, options): builds the entry
  // {"op","id","type","data","old","metadata"} with data and old embedded as given (they
  // are JSON already) and absent ones left out, then marks the row as locally changed.
  int insert_simple(sqlite3_value** columns) {
    const std::string_view op = text_of(columns[0]);
    const std::string_view id = text_of(columns[1]);
    const std::string_view type = text_of(columns[2]);
    const bool has_data = sqlite3_value_type(columns[3]) == SQLITE_TEXT;
    const bool has_old = sqlite3_value_type(columns[4]) == SQLITE_TEXT;
    const bool has_metadata = sqlite3_value_type(columns[5]) == SQLITE_TEXT;
    const std::int64_t flags = flags_of(columns[6]);
    const std::string_view data = has_data ? text_of(columns[3]) : std::string_view{};

    if ((flags & kIgnoreEmptyUpdate) != 0 && op == "PATCH" && has_data && data == "{}") return SQLITE_OK;

    entry.clear();
    entry += "{\"op\":";
    sqljson::write_string(op, entry);
    entry += ",\"id\":";
    sqljson::write_string(id, entry);
    entry += ",\"type\":";
    sqljson::write_string(type, entry);
    if (has_data) {
      entry += ",\"data\":";
      entry += data;
    }
    if (has_old) {
      entry += ",\"old\":";
      entry += text_of(columns[4]);
    }
    if (has_metadata) {
      entry += ",\"metadata\":";
      sqljson::write_string(text_of(columns[5]), entry);
    }
    entry += '}';

    sqlite3_stmt* stmt = nullptr;
    int rc = insert_crud.get(db, "INSERT INTO ps_crud(tx_id, data) VALUES (?, ?)", &stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    sqlite3_bind_int64(stmt, 1, tx_id);
    sqlite3_bind_text64(stmt, 2, entry.data(), entry.size(), SQLITE_STATIC, SQLITE_UTF8);
    rc = run(stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);

    rc = insert_updated_row.get(db, "INSERT OR IGNORE INTO ps_updated_rows(row_type, row_id) VALUES (?, ?)", &stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    sqlite3_bind_text64(stmt, 1, type.data(), type.size(), SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_text64(stmt, 2, id.data(), id.size(), SQLITE_STATIC, SQLITE_UTF8);
    rc = run(stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);

    return record_local_write();
  }

  // Once per transaction: block applying downloaded data until a checkpoint covering this
  // write arrives (the max-op target), and forget checkpoint requests seen or applied
  // before it, since they cannot acknowledge it.
  int record_local_write() {
    if (had_writes) return SQLITE_OK;
    sqlite3_stmt* stmt = nullptr;
    const std::string set_target_sql = std::string("INSERT OR REPLACE INTO ps_kv(key, value) VALUES('") +
                                       kTargetCheckpointRequestKey + "', " + kMaxOpId + ")";
    int rc = set_write_target.get(db, set_target_sql.c_str(), &stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    rc = run(stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);

    const std::string clear_sql = std::string("DELETE FROM ps_kv WHERE key IN ('") + kLastSeenCheckpointRequestKey +
                                  "', '" + kLastAppliedCheckpointRequestKey + "')";
    rc = clear_checkpoint_marks.get(db, clear_sql.c_str(), &stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    rc = run(stmt);
    if (rc != SQLITE_OK) return fail_sqlite(rc);
    had_writes = true;
    return SQLITE_OK;
  }
};

CrudTable* table_of(sqlite3_vtab* vtab) { return reinterpret_cast<CrudTable*>(vtab); }

int crud_connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  if (argc < 1) return SQLITE_MISUSE;
  const bool simple = std::string_view(argv[0]) == kSimpleName;
  const int rc = sqlite3_declare_vtab(
      db, simple ? "CREATE TABLE powersync_crud(op TEXT, id TEXT, type TEXT, data TEXT, old_values TEXT, "
                   "metadata TEXT, options INT HIDDEN)"
                 : "CREATE TABLE powersync_crud_(data TEXT, options INT HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* table = new (std::nothrow) CrudTable();
  if (table == nullptr) return SQLITE_NOMEM;
  table->db = db;
  table->simple = simple;
  table->state = *static_cast<std::shared_ptr<CrudConnectionState>*>(aux);
  *out = &table->base;
  return SQLITE_OK;
}

int crud_disconnect(sqlite3_vtab* vtab) {
  delete table_of(vtab);
  return SQLITE_OK;
}

// The tables are insert-only: every read path refuses.
int no_best_index(sqlite3_vtab*, sqlite3_index_info*) { return SQLITE_MISUSE; }
int no_open(sqlite3_vtab*, sqlite3_vtab_cursor**) { return SQLITE_MISUSE; }
int no_close(sqlite3_vtab_cursor*) { return SQLITE_MISUSE; }
int no_filter(sqlite3_vtab_cursor*, int, const char*, int, sqlite3_value**) { return SQLITE_MISUSE; }
int no_next(sqlite3_vtab_cursor*) { return SQLITE_MISUSE; }
int no_eof(sqlite3_vtab_cursor*) { return 1; }
int no_column(sqlite3_vtab_cursor*, sqlite3_context*, int) { return SQLITE_MISUSE; }
int no_rowid(sqlite3_vtab_cursor*, sqlite3_int64*) { return SQLITE_MISUSE; }

int crud_update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64*) {
  // argc == 1 is a DELETE; a non-NULL old rowid is an UPDATE. Only INSERT is supported.
  if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) return SQLITE_MISUSE;
  try {
    return table_of(vtab)->insert(argv + 2);
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
}

int crud_begin(sqlite3_vtab* vtab) { return table_of(vtab)->begin(); }

int crud_commit(sqlite3_vtab* vtab) {
  table_of(vtab)->end_transaction();
  return SQLITE_OK;
}

int crud_rollback(sqlite3_vtab* vtab) {
  // ps_tx rolls back with the transaction; only our in-memory state needs resetting.
  table_of(vtab)->end_transaction();
  return SQLITE_OK;
}

sqlite3_module make_module() {
  sqlite3_module module{};
  module.iVersion = 0;
  module.xCreate = nullptr;  // eponymous-only: no CREATE VIRTUAL TABLE
  module.xConnect = crud_connect;
  module.xBestIndex = no_best_index;
  module.xDisconnect = crud_disconnect;
  module.xDestroy = nullptr;
  module.xOpen = no_open;
  module.xClose = no_close;
  module.xFilter = no_filter;
  module.xNext = no_next;
  module.xEof = no_eof;
  module.xColumn = no_column;
  module.xRowid = no_rowid;
  module.xUpdate = crud_update;
  module.xBegin = crud_begin;
  module.xCommit = crud_commit;
  module.xRollback = crud_rollback;
  return module;
}

const sqlite3_module kCrudModule = make_module();

void destroy_state(void* p) { delete static_cast<std::shared_ptr<CrudConnectionState>*>(p); }

}  // namespace

void register_crud_vtabs(sqlite3* db) {
  auto state = std::make_shared<CrudConnectionState>();
  if (sqlite3_set_clientdata(db, kStateClientDataKey, new std::shared_ptr<CrudConnectionState>(state),
                             destroy_state) != SQLITE_OK) {
    throw Error(ErrorCode::internal, "Cannot attach the upload queue state to the connection");
  }
  for (const char* name : {kSimpleName, kManualName}) {
    // Each module owns one reference to the shared state; SQLite frees it with the module
    // (also when registration fails).
    auto* aux = new std::shared_ptr<CrudConnectionState>(state);
    const int rc = sqlite3_create_module_v2(db, name, &kCrudModule, aux, destroy_state);
    if (rc != SQLITE_OK) {
      throw Error(ErrorCode::sql, std::string("Cannot register virtual table ") + name + ": " + sqlite3_errmsg(db), rc);
    }
  }
}

void pause_crud_capture(sqlite3* db, bool paused) {
  auto* state = static_cast<std::shared_ptr<CrudConnectionState>*>(sqlite3_get_clientdata(db, kStateClientDataKey));
  if (state != nullptr) (*state)->capture_paused = paused;
}

}  // namespace powersync
