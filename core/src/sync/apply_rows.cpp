// Making downloaded ops visible: for every row touched since the last apply, the newest op
// over all buckets wins; no op left means the row is deleted. Rows of tables outside the
// schema wait in ps_untyped until a schema names them.
#include <set>
#include <string>

#include "powersync/storage/sql_quote.hpp"
#include "powersync/sync/bucket_storage.hpp"

namespace powersync::sync {
namespace {

constexpr const char* kChangedRowsFull = R"sql(
WITH updated_rows AS (
    SELECT b.row_type, b.row_id FROM ps_buckets AS buckets
        CROSS JOIN ps_oplog AS b ON b.bucket = buckets.id
        AND (b.op_id > buckets.last_applied_op)
    UNION ALL SELECT row_type, row_id FROM ps_updated_rows
)
SELECT
    b.row_type,
    b.row_id,
    (SELECT iif(max(r.op_id), r.data, null) FROM ps_oplog r
      WHERE r.row_type = b.row_type AND r.row_id = b.row_id) AS data
FROM updated_rows b
GROUP BY b.row_type, b.row_id)sql";

// The same when nothing was applied yet (the first sync): every row of the oplog, newest op
// first. Sorting the whole oplog once beats a lookup per row, and its output in id order
// makes the inserts into the ps_data tables appends.
constexpr const char* kAllRowsFirstApply = R"sql(
SELECT row_type, row_id, data, max(op_id) FROM ps_oplog NOT INDEXED GROUP BY row_type, row_id)sql";

// The same for the buckets of one priority ($.buckets of ?1) and only their ops.
constexpr const char* kChangedRowsPartial = R"sql(
WITH
  involved_buckets (id) AS MATERIALIZED (
    SELECT id FROM ps_buckets WHERE ?1 IS NULL
      OR name IN (SELECT value FROM json_each(json_extract(?1, '$.buckets')))
  ),
  updated_rows AS (
    SELECT b.row_type, b.row_id FROM ps_buckets AS buckets
        CROSS JOIN ps_oplog AS b ON b.bucket = buckets.id
        AND (b.op_id > buckets.last_applied_op)
        WHERE buckets.id IN (SELECT id FROM involved_buckets)
  )
SELECT
    b.row_type,
    b.row_id,
    (SELECT iif(max(r.op_id), r.data, null) FROM ps_oplog r
      WHERE r.row_type = b.row_type AND r.row_id = b.row_id
        AND r.bucket IN (SELECT id FROM involved_buckets)) AS data
FROM updated_rows b
GROUP BY b.row_type, b.row_id)sql";

// Synced (not local-only) tables present in the database, by their public name.
std::set<std::string, std::less<>> synced_tables(Connection& db) {
  std::set<std::string, std::less<>> out;
  auto stmt = db.prepare("SELECT substr(name, 10) FROM sqlite_master WHERE type = 'table' AND name GLOB 'ps_data__*'");
  while (stmt.step()) out.emplace(stmt.column_text(0));
  return out;
}

bool is_first_apply(Connection& db) {
  auto& stmt = db.cached(
      "SELECT NOT EXISTS (SELECT 1 FROM ps_buckets WHERE last_applied_op > 0) "
      "AND NOT EXISTS (SELECT 1 FROM ps_updated_rows)");
  stmt.step();
  const bool first = stmt.column_int64(0) != 0;
  stmt.reset();
  return first;
}

std::string quoted_data_table(std::string_view type) { return quote_identifier("ps_data__" + std::string(type)); }

}  // namespace

void BucketStorage::apply_rows(std::optional<int> priority, const std::string& partial_buckets_json) {
  const auto tables = synced_tables(db_);
  auto& changed = db_.cached(priority ? kChangedRowsPartial
                                      : (is_first_apply(db_) ? kAllRowsFirstApply : kChangedRowsFull));
  if (priority) changed.bind_text(1, partial_buckets_json);

  // Consecutive rows mostly share a table: keep that table's statements.
  std::string put_table, delete_table;
  Statement put, remove;
  while (changed.step()) {
    const std::string_view type = changed.column_text(0);
    const std::string_view id = changed.column_text(1);
    const bool deleted = changed.column_is_null(2);

    if (tables.count(type) != 0) {
      if (deleted) {
        if (delete_table != type) {
          remove = db_.prepare("DELETE FROM " + quoted_data_table(type) + " WHERE id = ?");
          delete_table = type;
        }
        remove.reset();
        remove.bind_text(1, id);
        remove.run();
      } else {
        if (put_table != type) {
          put = db_.prepare("REPLACE INTO " + quoted_data_table(type) + "(id, data) VALUES (?, ?)");
          put_table = type;
        }
        put.reset();
        put.bind_text(1, id);
        put.bind_text(2, changed.column_text(2));
        put.run();
      }
    } else if (deleted) {
      auto& untyped = db_.cached("DELETE FROM ps_untyped WHERE type = ? AND id = ?");
      untyped.bind_text(1, type);
      untyped.bind_text(2, id);
      untyped.run();
    } else {
      auto& untyped = db_.cached("REPLACE INTO ps_untyped(type, id, data) VALUES(?, ?, ?)");
      untyped.bind_text(1, type);
      untyped.bind_text(2, id);
      untyped.bind_text(3, changed.column_text(2));
      untyped.run();
    }
  }
  changed.reset();
}

}  // namespace powersync::sync
