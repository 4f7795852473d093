#include "bucket_storage.hpp"

#include <map>

#include "checksum.hpp"
#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS oplog (
  op_id INTEGER PRIMARY KEY,
  bucket TEXT NOT NULL,
  op TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  subkey TEXT,
  data TEXT,
  checksum INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS oplog_by_bucket ON oplog (bucket, op_id);
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY NOT NULL,
  checksum INTEGER NOT NULL,
  count INTEGER NOT NULL,
  last_op_id INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS row_placements (
  tbl TEXT NOT NULL,
  row_key TEXT NOT NULL,
  bucket TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  data_checksum INTEGER NOT NULL,
  PRIMARY KEY (tbl, row_key, bucket)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS compaction_state (
  bucket TEXT PRIMARY KEY NOT NULL,
  superseded INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS write_checkpoints (
  user_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  checkpoint INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
) STRICT, WITHOUT ROWID;
)sql";

// Columns: op_id, op, object_type, object_id, subkey, data, checksum.
OplogEntry read_entry(Statement& stmt) {
  OplogEntry e;
  e.op_id = stmt.column_int64(0);
  e.op = std::string(stmt.column_text(1));
  e.object_type = std::string(stmt.column_text(2));
  e.object_id = std::string(stmt.column_text(3));
  e.subkey = std::string(stmt.column_text(4));
  if (!stmt.column_is_null(5)) e.data = std::string(stmt.column_text(5));
  e.checksum = static_cast<std::uint32_t>(stmt.column_int64(6));
  return e;
}

}  // namespace

BucketStorage::BucketStorage(const std::filesystem::path& path)
    : connection_(ConnectionOptions{.path = path.string()}) {
  connection_.exec(kSchema);
}

std::int64_t BucketStorage::meta_int(const char* key, std::int64_t fallback) {
  auto& stmt = connection_.cached("SELECT value FROM meta WHERE key = ?");
  stmt.bind_text(1, key);
  std::int64_t value = fallback;
  if (stmt.step()) value = stmt.column_int64(0);
  stmt.reset();
  return value;
}

void BucketStorage::set_meta(const char* key, const std::string& value) {
  auto& stmt = connection_.cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  stmt.bind_text(1, key);
  stmt.bind_text(2, value);
  stmt.run();
  stmt.reset();
}

std::int64_t BucketStorage::head_op_id() { return meta_int("head_op_id", 0); }
std::int64_t BucketStorage::processed_change_seq() { return meta_int("processed_change_seq", 0); }
int BucketStorage::sync_version() { return static_cast<int>(meta_int("sync_version", 1)); }

std::string BucketStorage::fingerprint() {
  auto& stmt = connection_.cached("SELECT value FROM meta WHERE key = 'fingerprint'");
  std::string value;
  if (stmt.step()) value = std::string(stmt.column_text(0));
  stmt.reset();
  return value;
}

void BucketStorage::set_processed_change_seq(std::int64_t seq) {
  auto& stmt = connection_.cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('processed_change_seq', ?)");
  stmt.bind_int64(1, seq);
  stmt.run();
  stmt.reset();
}

void BucketStorage::reset_for_fingerprint(const std::string& fingerprint) {
  bool fresh = this->fingerprint().empty();
  int version = fresh ? 1 : sync_version() + 1;
  connection_.exec("DELETE FROM oplog; DELETE FROM buckets; DELETE FROM row_placements; DELETE FROM compaction_state;");
  connection_.exec("DELETE FROM meta WHERE key = 'processed_change_seq'");
  set_meta("fingerprint", fingerprint);
  auto& stmt = connection_.cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_version', ?)");
  stmt.bind_int64(1, version);
  stmt.run();
  stmt.reset();
}

std::int64_t BucketStorage::append_op(const std::string& bucket, const OplogEntry& entry) {
  // Op ids stay increasing across resets: the head is never lowered.
  std::int64_t op_id = head_op_id() + 1;
  auto& insert = connection_.cached(
      "INSERT INTO oplog (op_id, bucket, op, object_type, object_id, subkey, data, checksum) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind_int64(1, op_id);
  insert.bind_text(2, bucket);
  insert.bind_text(3, entry.op);
  insert.bind_text(4, entry.object_type);
  insert.bind_text(5, entry.object_id);
  insert.bind_text(6, entry.subkey);
  if (entry.data) insert.bind_text(7, *entry.data);
  else insert.bind_null(7);
  insert.bind_int64(8, entry.checksum);
  insert.run();
  insert.reset();

  auto& update = connection_.cached(
      "INSERT INTO buckets (name, checksum, count, last_op_id) VALUES (?1, ?2, 1, ?3) "
      "ON CONFLICT(name) DO UPDATE SET checksum = (checksum + ?2) & 4294967295, count = count + 1, last_op_id = ?3");
  update.bind_text(1, bucket);
  update.bind_int64(2, entry.checksum);
  update.bind_int64(3, op_id);
  update.run();
  update.reset();

  auto& head = connection_.cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('head_op_id', ?)");
  head.bind_int64(1, op_id);
  head.run();
  head.reset();
  return op_id;
}

std::vector<RowPlacement> BucketStorage::placements(const std::string& table, const std::string& row_key) {
  auto& stmt = connection_.cached(
      "SELECT bucket, object_type, object_id, data_checksum FROM row_placements WHERE tbl = ? AND row_key = ?");
  stmt.bind_text(1, table);
  stmt.bind_text(2, row_key);
  std::vector<RowPlacement> out;
  while (stmt.step()) {
    out.push_back({std::string(stmt.column_text(0)), std::string(stmt.column_text(1)), std::string(stmt.column_text(2)),
                   static_cast<std::uint32_t>(stmt.column_int64(3))});
  }
  stmt.reset();
  return out;
}

void BucketStorage::set_placements(const std::string& table, const std::string& row_key,
                                   const std::vector<RowPlacement>& rows) {
  auto& remove = connection_.cached(
      "DELETE FROM row_placements WHERE tbl = ? AND row_key = ? RETURNING bucket, object_type, data_checksum");
  remove.bind_text(1, table);
  remove.bind_text(2, row_key);
  std::map<std::string, std::pair<std::string, std::int64_t>> before;
  while (remove.step())
    before[std::string(remove.column_text(0))] = {std::string(remove.column_text(1)), remove.column_int64(2)};
  remove.reset();
  for (const auto& r : rows) {
    auto it = before.find(r.bucket);
    if (it == before.end()) continue;
    if (it->second.first == r.object_type && it->second.second == r.data_checksum) before.erase(it);
  }
  // What is left in `before` got a superseding op: new data (PUT) or gone (REMOVE).
  if (!before.empty()) {
    auto& count = connection_.cached(
        "INSERT INTO compaction_state (bucket, superseded) VALUES (?, 1) "
        "ON CONFLICT(bucket) DO UPDATE SET superseded = superseded + 1");
    for (const auto& [bucket, unused] : before) {
      count.bind_text(1, bucket);
      count.run();
      count.reset();
    }
  }
  auto& insert = connection_.cached(
      "INSERT INTO row_placements (tbl, row_key, bucket, object_type, object_id, data_checksum) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& r : rows) {
    insert.bind_text(1, table);
    insert.bind_text(2, row_key);
    insert.bind_text(3, r.bucket);
    insert.bind_text(4, r.object_type);
    insert.bind_text(5, r.object_id);
    insert.bind_int64(6, r.data_checksum);
    insert.run();
    insert.reset();
  }
}

std::optional<BucketState> BucketStorage::bucket_state(const std::string& bucket) {
  auto& stmt = connection_.cached("SELECT checksum, count, last_op_id FROM buckets WHERE name = ?");
  stmt.bind_text(1, bucket);
  std::optional<BucketState> state;
  if (stmt.step())
    state = BucketState{static_cast<std::uint32_t>(stmt.column_int64(0)), stmt.column_int64(1), stmt.column_int64(2)};
  stmt.reset();
  return state;
}

std::vector<OplogEntry> BucketStorage::ops(const std::string& bucket, std::int64_t after, std::int64_t up_to,
                                           int limit) {
  auto& stmt = connection_.cached(
      "SELECT op_id, op, object_type, object_id, subkey, data, checksum FROM oplog "
      "WHERE bucket = ? AND op_id > ? AND op_id <= ? ORDER BY op_id LIMIT ?");
  stmt.bind_text(1, bucket);
  stmt.bind_int64(2, after);
  stmt.bind_int64(3, up_to);
  stmt.bind_int64(4, limit);
  std::vector<OplogEntry> out;
  while (stmt.step()) out.push_back(read_entry(stmt));
  stmt.reset();
  return out;
}

std::vector<std::string> BucketStorage::bucket_names() {
  auto& stmt = connection_.cached("SELECT name FROM buckets ORDER BY name");
  std::vector<std::string> out;
  while (stmt.step()) out.emplace_back(stmt.column_text(0));
  stmt.reset();
  return out;
}

std::vector<std::string> BucketStorage::buckets_to_compact(std::int64_t min_superseded) {
  auto& stmt = connection_.cached(
      "SELECT c.bucket FROM compaction_state c JOIN buckets b ON b.name = c.bucket "
      "WHERE c.superseded >= ? AND c.superseded * 10 >= b.count ORDER BY c.bucket");
  stmt.bind_int64(1, min_superseded);
  std::vector<std::string> out;
  while (stmt.step()) out.emplace_back(stmt.column_text(0));
  stmt.reset();
  return out;
}

void BucketStorage::reset_superseded(const std::string& bucket) {
  auto& stmt = connection_.cached("DELETE FROM compaction_state WHERE bucket = ?");
  stmt.bind_text(1, bucket);
  stmt.run();
  stmt.reset();
}

std::vector<OplogEntry> BucketStorage::ops_before(const std::string& bucket, std::int64_t before, int limit) {
  auto& stmt = connection_.cached(
      "SELECT op_id, op, object_type, object_id, subkey, data, checksum FROM oplog "
      "WHERE bucket = ? AND op_id < ? ORDER BY op_id DESC LIMIT ?");
  stmt.bind_text(1, bucket);
  stmt.bind_int64(2, before);
  stmt.bind_int64(3, limit);
  std::vector<OplogEntry> out;
  while (stmt.step()) out.push_back(read_entry(stmt));
  stmt.reset();
  return out;
}

void BucketStorage::convert_to_move(std::int64_t op_id) {
  auto& stmt = connection_.cached(
      "UPDATE oplog SET op = 'MOVE', object_type = NULL, object_id = NULL, subkey = NULL, data = NULL "
      "WHERE op_id = ?");
  stmt.bind_int64(1, op_id);
  stmt.run();
  stmt.reset();
}

std::int64_t BucketStorage::clear_through(const std::string& bucket, std::int64_t through) {
  auto& scan = connection_.cached("SELECT op_id, op, checksum FROM oplog WHERE bucket = ? AND op_id <= ?");
  scan.bind_text(1, bucket);
  scan.bind_int64(2, through);
  std::uint32_t checksum = 0;
  std::int64_t replaced = 0;
  bool beyond_clear = false;  // something other than an earlier CLEAR is replaced
  std::int64_t bad_op = 0;
  while (scan.step()) {
    auto op = scan.column_text(1);
    if (op == "PUT") bad_op = scan.column_int64(0);
    beyond_clear = beyond_clear || op != "CLEAR";
    checksum = add_checksums(checksum, static_cast<std::uint32_t>(scan.column_int64(2)));
    ++replaced;
  }
  scan.reset();
  if (bad_op != 0)
    throw Error(ErrorCode::internal, "CLEAR of bucket " + bucket + " would replace the PUT op " + std::to_string(bad_op));
  if (!beyond_clear) return 0;

  auto& remove = connection_.cached("DELETE FROM oplog WHERE bucket = ? AND op_id <= ?");
  remove.bind_text(1, bucket);
  remove.bind_int64(2, through);
  remove.run();
  remove.reset();
  auto& insert = connection_.cached(
      "INSERT INTO oplog (op_id, bucket, op, object_type, object_id, subkey, data, checksum) "
      "VALUES (?, ?, 'CLEAR', NULL, NULL, NULL, NULL, ?)");
  insert.bind_int64(1, through);
  insert.bind_text(2, bucket);
  insert.bind_int64(3, checksum);
  insert.run();
  insert.reset();
  auto& count = connection_.cached("UPDATE buckets SET count = count - ? WHERE name = ?");
  count.bind_int64(1, replaced - 1);
  count.bind_text(2, bucket);
  count.run();
  count.reset();
  return replaced;
}

std::optional<WriteCheckpoint> BucketStorage::write_checkpoint(const std::string& user_id,
                                                               const std::string& client_id) {
  auto& stmt = connection_.cached(
      "SELECT checkpoint, change_seq FROM write_checkpoints WHERE user_id = ? AND client_id = ?");
  stmt.bind_text(1, user_id);
  stmt.bind_text(2, client_id);
  std::optional<WriteCheckpoint> out;
  if (stmt.step()) out = WriteCheckpoint{stmt.column_int64(0), stmt.column_int64(1)};
  stmt.reset();
  return out;
}

std::int64_t BucketStorage::create_write_checkpoint(const std::string& user_id, const std::string& client_id,
                                                    std::int64_t change_seq) {
  auto& stmt = connection_.cached(
      "INSERT INTO write_checkpoints (user_id, client_id, checkpoint, change_seq) VALUES (?1, ?2, 1, ?3) "
      "ON CONFLICT(user_id, client_id) DO UPDATE SET checkpoint = checkpoint + 1, change_seq = ?3 "
      "RETURNING checkpoint");
  stmt.bind_text(1, user_id);
  stmt.bind_text(2, client_id);
  stmt.bind_int64(3, change_seq);
  stmt.step();
  auto checkpoint = stmt.column_int64(0);
  stmt.run();
  stmt.reset();
  return checkpoint;
}

}  // namespace powersync::devserver
