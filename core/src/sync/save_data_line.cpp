// Storing downloaded ops: the official core's bookkeeping, so that checksums validate the
// same way. A PUT or REMOVE supersedes the previous op of the same row key in its bucket;
// the superseded op's checksum moves from op_checksum to add_checksum, so the bucket's
// total (add + op) always equals the sum of every op the service sent.
#include <string>

#include "powersync/sync/bucket_storage.hpp"

namespace powersync::sync {
namespace {

struct BucketInfo {
  std::int64_t id = 0;
  std::int64_t last_applied_op = 0;
};

BucketInfo lookup_bucket(Connection& db, const std::string& name) {
  auto& stmt = db.cached(
      "INSERT INTO ps_buckets(name) VALUES(?) ON CONFLICT DO UPDATE SET last_applied_op = last_applied_op "
      "RETURNING id, last_applied_op");
  stmt.bind_text(1, name);
  stmt.step();
  BucketInfo info{stmt.column_int64(0), stmt.column_int64(1)};
  stmt.reset();
  return info;
}

protocol::Checksum stored_checksum(std::int64_t hash) noexcept {
  return protocol::Checksum{static_cast<std::uint32_t>(hash)};
}

}  // namespace

void BucketStorage::save_data_line(const protocol::DataLine& line, std::size_t line_size) {
  using protocol::Checksum;
  using protocol::OpType;

  const BucketInfo bucket = lookup_bucket(db_, line.bucket);
  bool is_empty = bucket.last_applied_op == 0;
  // A bulk load only appends PUTs; anything that deletes ops needs the key index back.
  bool bulk = is_bulk_loading(db_);
  if (bulk) {
    for (const auto& op : line.data) {
      if (op.op == OpType::remove || op.op == OpType::clear) {
        finish_bulk_load(db_);
        bulk = false;
        break;
      }
    }
  }

  auto& supersede = db_.cached("DELETE FROM ps_oplog WHERE unlikely(ps_oplog.bucket = ?1) AND ps_oplog.key = ?2 "
                               "RETURNING op_id, hash");
  auto& insert = db_.cached(
      "INSERT INTO ps_oplog(bucket, op_id, key, row_type, row_id, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)");
  auto& mark_updated = db_.cached("INSERT OR IGNORE INTO ps_updated_rows(row_type, row_id) VALUES(?1, ?2)");

  std::optional<std::int64_t> last_op;
  Checksum add_checksum, op_checksum;
  std::int64_t added_ops = 0;
  std::string key;

  for (const auto& op : line.data) {
    last_op = op.op_id;
    ++added_ops;
    const bool has_row = op.object_type && op.object_id;

    if (op.op == OpType::put || op.op == OpType::remove) {
      key.clear();
      if (has_row) {
        key.append(*op.object_type).append("/").append(*op.object_id).append("/");
        key.append(op.subkey ? *op.subkey : std::string("null"));
      }

      // In a bulk load (PUTs only) superseded ops are dropped when it finishes.
      bool superseded = false;
      if (!bulk) {
        supersede.reset();
        supersede.bind_int64(1, bucket.id);
        supersede.bind_text(2, key);
        while (supersede.step()) {
          const Checksum previous = stored_checksum(supersede.column_int64(1));
          add_checksum += previous;
          op_checksum -= previous;
          if (!is_empty) superseded = true;
        }
        supersede.reset();
      }

      if (op.op == OpType::remove) {
        add_checksum += op.checksum;
        // A REMOVE of a row this bucket never held locally changes nothing visible.
        if (superseded && has_row) {
          mark_updated.reset();
          mark_updated.bind_text(1, *op.object_type);
          mark_updated.bind_text(2, *op.object_id);
          mark_updated.run();
        }
        continue;
      }

      insert.reset();
      insert.bind_int64(1, bucket.id);
      insert.bind_int64(2, op.op_id);
      if (key.empty()) insert.bind_null(3); else insert.bind_text(3, key);
      if (has_row) {
        insert.bind_text(4, *op.object_type);
        insert.bind_text(5, *op.object_id);
      } else {
        insert.bind_null(4);
        insert.bind_null(5);
      }
      if (op.data) insert.bind_text(6, *op.data); else insert.bind_null(6);
      insert.bind_int64(7, op.checksum.as_signed());
      insert.run();
      op_checksum += op.checksum;
    } else if (op.op == OpType::move) {
      add_checksum += op.checksum;
    } else {  // CLEAR: the bucket restarts from this op's checksum
      auto& clear_rows = db_.cached(
          "INSERT OR IGNORE INTO ps_updated_rows(row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
          "WHERE bucket = ?1");
      clear_rows.bind_int64(1, bucket.id);
      clear_rows.run();
      auto& clear_ops = db_.cached("DELETE FROM ps_oplog WHERE bucket = ?1");
      clear_ops.bind_int64(1, bucket.id);
      clear_ops.run();
      auto& reset = db_.cached(
          "UPDATE ps_buckets SET last_applied_op = 0, add_checksum = ?1, op_checksum = 0 WHERE id = ?2");
      reset.bind_int64(1, op.checksum.as_signed());
      reset.bind_int64(2, bucket.id);
      reset.run();
      add_checksum = {};
      op_checksum = {};
      is_empty = true;
    }
  }

  if (last_op) {
    auto& update = db_.cached(
        "UPDATE ps_buckets SET last_op = ?2, add_checksum = (add_checksum + ?3) & 0xffffffff, "
        "op_checksum = (op_checksum + ?4) & 0xffffffff, count_since_last = count_since_last + ?5, "
        "downloaded_size = downloaded_size + ?6 WHERE id = ?1");
    update.bind_int64(1, bucket.id);
    update.bind_int64(2, *last_op);
    update.bind_int64(3, add_checksum.as_signed());
    update.bind_int64(4, op_checksum.as_signed());
    update.bind_int64(5, added_ops);
    update.bind_int64(6, static_cast<std::int64_t>(line_size));
    update.run();
  }
}

}  // namespace powersync::sync
