// Bulk loading an empty oplog. An initial sync of N rows with random ids inserts N random
// keys into ps_oplog_row and ps_oplog_key; once those indexes outgrow the page cache every
// insert reads and rewrites a cold page, which is most of the download's cost. While the
// oplog starts empty nothing needs those indexes until the checkpoint is applied, so they
// are dropped for the download and built again afterwards by one sort each.
//
// Both steps run inside the caller's transaction, so the file always holds either both
// indexes or neither; "neither" is the bulk-load state, and finishing it is idempotent
// (a crash mid-download is repaired when the database opens again).
#include <map>

#include "powersync/storage/internal_schema.hpp"
#include "powersync/sync/bucket_storage.hpp"

namespace powersync::sync {
namespace {

// Downloads smaller than this gain less than the index builds cost.
constexpr std::int64_t kBulkLoadMinOps = 10000;

bool has_index(Connection& db, const char* name) {
  auto& stmt = db.cached("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1");
  stmt.bind_text(1, name);
  const bool found = stmt.step();
  stmt.reset();
  return found;
}

// Ops of one (bucket, key) that a later op of the same key replaced: deleted, and their
// checksums move from op_checksum to add_checksum, as superseding does op by op. Finding
// the duplicate keys scans only the key index.
void remove_superseded_ops(Connection& db) {
  std::map<std::int64_t, protocol::Checksum> moved;
  {
    auto stmt = db.prepare(R"sql(
DELETE FROM ps_oplog WHERE rowid IN (
  SELECT o.rowid FROM (
      SELECT bucket, key FROM ps_oplog WHERE key IS NOT NULL GROUP BY bucket, key HAVING count(*) > 1) AS d
    JOIN ps_oplog AS o ON o.bucket = d.bucket AND o.key = d.key
    WHERE o.op_id < (SELECT max(op_id) FROM ps_oplog WHERE bucket = d.bucket AND key = d.key))
RETURNING bucket, hash)sql");
    while (stmt.step()) {
      moved[stmt.column_int64(0)] += protocol::Checksum{static_cast<std::uint32_t>(stmt.column_int64(1))};
    }
  }
  auto& update = db.cached(
      "UPDATE ps_buckets SET add_checksum = (add_checksum + ?2) & 0xffffffff, "
      "op_checksum = (op_checksum - ?2) & 0xffffffff WHERE id = ?1");
  for (const auto& [bucket, checksum] : moved) {
    update.reset();
    update.bind_int64(1, bucket);
    update.bind_int64(2, checksum.as_signed());
    update.run();
  }
  update.reset();
}

}  // namespace

bool is_bulk_loading(Connection& db) { return !has_index(db, "ps_oplog_key"); }

void begin_bulk_load(Connection& db, std::int64_t expected_ops) {
  if (expected_ops < kBulkLoadMinOps || is_bulk_loading(db)) return;
  auto& any_op = db.cached("SELECT 1 FROM ps_oplog LIMIT 1");
  const bool empty = !any_op.step();
  any_op.reset();
  if (!empty) return;
  db.exec("DROP INDEX ps_oplog_key; DROP INDEX ps_oplog_row;");
}

void finish_bulk_load(Connection& db) {
  if (!is_bulk_loading(db)) return;
  db.exec(kCreateOplogKeyIndex);
  remove_superseded_ops(db);
  if (!has_index(db, "ps_oplog_row")) db.exec(kCreateOplogRowIndex);
}

}  // namespace powersync::sync
