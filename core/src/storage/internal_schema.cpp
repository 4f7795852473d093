#include "powersync/storage/internal_schema.hpp"

#include <string>

#include "powersync/util/error.hpp"

namespace powersync {
namespace {

// The end state of the official core's migrations 1..14, created in one step for a new
// database. Column order and constraints match, so either implementation can open the file.
constexpr const char* kCreateInternalTables = R"sql(
CREATE TABLE ps_buckets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  last_applied_op INTEGER NOT NULL DEFAULT 0,
  last_op INTEGER NOT NULL DEFAULT 0,
  add_checksum INTEGER NOT NULL DEFAULT 0,
  op_checksum INTEGER NOT NULL DEFAULT 0,
  pending_delete INTEGER NOT NULL DEFAULT 0,
  count_at_last INTEGER NOT NULL DEFAULT 0,
  count_since_last INTEGER NOT NULL DEFAULT 0,
  downloaded_size INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX ps_buckets_name ON ps_buckets (name);

CREATE TABLE ps_oplog(
  bucket INTEGER NOT NULL,
  op_id INTEGER NOT NULL,
  row_type TEXT,
  row_id TEXT,
  key TEXT,
  data TEXT,
  hash INTEGER NOT NULL) STRICT;
CREATE INDEX ps_oplog_opid ON ps_oplog (bucket, op_id);

CREATE TABLE ps_untyped(type TEXT NOT NULL, id TEXT NOT NULL, data TEXT, PRIMARY KEY (type, id));

CREATE TABLE ps_crud (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, tx_id INTEGER);

CREATE TABLE ps_tx(id INTEGER PRIMARY KEY NOT NULL, current_tx INTEGER, next_tx INTEGER);
INSERT INTO ps_tx(id, current_tx, next_tx) VALUES(1, NULL, 1);

CREATE TABLE ps_kv(key TEXT PRIMARY KEY NOT NULL, value BLOB);

CREATE TABLE ps_updated_rows(
  row_type TEXT,
  row_id TEXT,
  PRIMARY KEY(row_type, row_id)) STRICT, WITHOUT ROWID;

CREATE TABLE ps_sync_state (
  priority INTEGER NOT NULL PRIMARY KEY,
  last_synced_at INTEGER NOT NULL
) STRICT;

CREATE TABLE ps_stream_subscriptions (
  id INTEGER NOT NULL PRIMARY KEY,
  stream_name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT FALSE,
  is_default INTEGER NOT NULL DEFAULT FALSE,
  local_priority INTEGER,
  local_params TEXT NOT NULL DEFAULT 'null',
  ttl INTEGER,
  expires_at INTEGER,
  last_synced_at INTEGER,
  UNIQUE (stream_name, local_params)
) STRICT;

WITH RECURSIVE ids(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM ids WHERE id < 14)
INSERT INTO ps_migration(id, down_migrations) SELECT id, NULL FROM ids;
)sql";

// A version 4 UUID from SQLite's CSPRNG, so the client id needs no custom function.
constexpr const char* kInsertClientId = R"sql(
INSERT INTO ps_kv(key, value) VALUES('client_id',
  lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
  substr(lower(hex(randomblob(2))), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
  lower(hex(randomblob(6))))
)sql";

int current_version(Connection& writer) {
  auto stmt = writer.prepare("SELECT ifnull(max(id), 0) FROM ps_migration");
  return stmt.step() ? static_cast<int>(stmt.column_int64(0)) : 0;
}

std::string read_client_id(Connection& writer) {
  auto stmt = writer.prepare("SELECT value FROM ps_kv WHERE key = 'client_id'");
  if (!stmt.step()) throw Error(ErrorCode::internal, "The database has no client id (ps_kv.client_id)");
  return std::string(stmt.column_text(0));
}

}  // namespace

std::string ensure_internal_schema(Connection& writer) {
  TransactionGuard tx(writer);
  writer.exec("CREATE TABLE IF NOT EXISTS ps_migration(id INTEGER PRIMARY KEY, down_migrations TEXT)");
  const int version = current_version(writer);
  if (version == 0) {
    writer.exec(kCreateInternalTables);
    writer.exec(kCreateOplogRowIndex);
    writer.exec(kCreateOplogKeyIndex);
    writer.exec(kInsertClientId);
  } else if (version > kInternalSchemaVersion) {
    throw Error(ErrorCode::invalid_argument,
                "The database was written by a newer PowerSync version (internal schema " +
                    std::to_string(version) + ", this library knows up to " +
                    std::to_string(kInternalSchemaVersion) + ")");
  } else if (version < kInternalSchemaVersion) {
    throw Error(ErrorCode::invalid_argument,
                "The database uses an older internal schema (version " + std::to_string(version) +
                    "); open it once with a current official PowerSync SDK to migrate it");
  }
  std::string client_id = read_client_id(writer);
  tx.commit();
  return client_id;
}

}  // namespace powersync
