// The upload queue, read and completed with the queries of the official SDKs
// (powersync-js BasePowerSyncDatabase / SqliteBucketStorage, powersync-dotnet), with the
// write-checkpoint target kept in ps_kv as the migration-14 layout does.

#include "powersync/crud/crud.hpp"

#include <charconv>
#include <limits>

#include "powersync/storage/internal_schema.hpp"
#include "powersync/util/error.hpp"
#include "storage/sql_json.hpp"

namespace powersync {
namespace {

[[noreturn]] void throw_bad_entry(std::int64_t client_id, const std::string& why) {
  throw Error(ErrorCode::internal, "ps_crud entry " + std::to_string(client_id) + " is not a CRUD entry: " + why);
}

const std::string& required_string(const sqljson::JsonValue& entry, std::string_view key, std::int64_t client_id) {
  const sqljson::JsonValue* value = entry.find(key);
  if (value == nullptr || value->kind != sqljson::JsonValue::Kind::string) {
    throw_bad_entry(client_id, "\"" + std::string(key) + "\" must be a string");
  }
  return value->string;
}

// A JSON member as stored, or nullopt when absent or null.
std::optional<std::string> optional_raw(const sqljson::JsonValue& entry, std::string_view key) {
  const sqljson::JsonValue* value = entry.find(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  return std::string(value->raw);
}

// Reads every row of a cached statement, leaving it reset (also when a row fails to parse).
std::vector<CrudEntry> read_entries(Statement& statement) {
  struct ResetOnExit {
    Statement& statement;
    ~ResetOnExit() { statement.reset(); }
  } reset{statement};
  std::vector<CrudEntry> entries;
  while (statement.step()) {
    std::optional<std::int64_t> tx_id;
    if (!statement.column_is_null(1)) tx_id = statement.column_int64(1);
    entries.push_back(parse_crud_entry(statement.column_int64(0), tx_id, statement.column_text(2)));
  }
  return entries;
}

bool has_entries_after(Connection& connection, std::int64_t client_id) {
  Statement& statement = connection.cached("SELECT 1 FROM ps_crud WHERE id > ? LIMIT 1");
  statement.bind_int64(1, client_id);
  const bool found = statement.step();
  statement.reset();
  return found;
}

// powersync_control('target_checkpoint_request_id', value) of the official core, directly:
// 0 removes the target, anything else replaces it.
void set_write_target(Connection& writer, std::int64_t target) {
  if (target == 0) {
    Statement& remove = writer.cached("DELETE FROM ps_kv WHERE key = ?");
    remove.bind_text(1, kTargetCheckpointRequestKey);
    remove.run();
    return;
  }
  Statement& upsert = writer.cached(
      "INSERT INTO ps_kv(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  upsert.bind_text(1, kTargetCheckpointRequestKey);
  upsert.bind_int64(2, target);
  upsert.run();
}

std::int64_t parse_write_checkpoint(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    throw_invalid_argument("write checkpoint must be a non-negative integer, got \"" + text + "\"");
  }
  return value;
}

}  // namespace

CrudEntry parse_crud_entry(std::int64_t client_id, std::optional<std::int64_t> tx_id, std::string_view data) {
  sqljson::JsonValue entry;
  try {
    entry = sqljson::parse(data);
  } catch (const Error& e) {
    throw_bad_entry(client_id, e.what());
  }
  if (entry.kind != sqljson::JsonValue::Kind::object) throw_bad_entry(client_id, "not a JSON object");

  CrudEntry result;
  result.client_id = client_id;
  result.tx_id = tx_id;
  const std::string& op = required_string(entry, "op", client_id);
  if (op == "PUT") {
    result.op = CrudOp::put;
  } else if (op == "PATCH") {
    result.op = CrudOp::patch;
  } else if (op == "DELETE") {
    result.op = CrudOp::remove;
  } else {
    throw_bad_entry(client_id, "unknown op \"" + op + "\"");
  }
  result.table = required_string(entry, "type", client_id);
  result.id = required_string(entry, "id", client_id);
  result.data_json = optional_raw(entry, "data");
  result.old_json = optional_raw(entry, "old");
  if (const sqljson::JsonValue* metadata = entry.find("metadata"); metadata != nullptr && !metadata->is_null()) {
    result.metadata = metadata->kind == sqljson::JsonValue::Kind::string ? metadata->string
                                                                          : std::string(metadata->raw);
  }
  result.entry_json = std::string(data);
  return result;
}

CrudBatch read_crud_batch(Connection& connection, int limit) {
  if (limit < 1) throw_invalid_argument("limit must be at least 1, got " + std::to_string(limit));
  // One row more than asked tells whether more are waiting.
  Statement& statement = connection.cached("SELECT id, tx_id, data FROM ps_crud ORDER BY id ASC LIMIT ?");
  statement.bind_int64(1, static_cast<std::int64_t>(limit) + 1);
  CrudBatch batch;
  batch.entries = read_entries(statement);
  if (batch.entries.size() > static_cast<std::size_t>(limit)) {
    batch.entries.pop_back();
    batch.has_more = true;
  }
  return batch;
}

std::optional<CrudBatch> read_next_crud_transaction(Connection& connection) {
  // The oldest entry and the consecutive entries that share its transaction id.
  Statement& statement = connection.cached(R"(
WITH RECURSIVE crud_entries AS (
  SELECT id, tx_id, data FROM ps_crud WHERE id = (SELECT min(id) FROM ps_crud)
  UNION ALL
  SELECT ps_crud.id, ps_crud.tx_id, ps_crud.data FROM ps_crud
    INNER JOIN crud_entries ON crud_entries.id + 1 = ps_crud.rowid
  WHERE crud_entries.tx_id = ps_crud.tx_id
)
SELECT * FROM crud_entries)");
  CrudBatch batch;
  batch.entries = read_entries(statement);
  if (batch.entries.empty()) return std::nullopt;
  batch.has_more = has_entries_after(connection, batch.last_client_id());
  return batch;
}

UploadQueueStats read_upload_queue_stats(Connection& connection) {
  // The official SDKs' size query (SUM(cast(data as blob) + 20)) adds blobs numerically and
  // so only counts 20 per entry; this reports the bytes of the queued data as intended.
  Statement& statement =
      connection.cached("SELECT count(*), IFNULL(SUM(length(CAST(data AS BLOB))), 0) FROM ps_crud");
  UploadQueueStats stats;
  if (statement.step()) {
    stats.count = statement.column_int64(0);
    stats.size_bytes = statement.column_int64(1);
  }
  statement.reset();
  return stats;
}

void complete_crud(Connection& writer, std::int64_t last_client_id,
                   const std::optional<std::string>& write_checkpoint) {
  std::optional<std::int64_t> checkpoint;
  if (write_checkpoint && !write_checkpoint->empty()) checkpoint = parse_write_checkpoint(*write_checkpoint);

  TransactionGuard transaction(writer);
  Statement& remove = writer.cached("DELETE FROM ps_crud WHERE id <= ?");
  remove.bind_int64(1, last_client_id);
  remove.run();

  // As powersync-dotnet / powersync.dart: the backend's write checkpoint becomes the target
  // only when nothing else waits for upload; otherwise the max-op sentinel keeps downloaded
  // data from being applied until a later checkpoint covers the remaining writes.
  Statement& remaining = writer.cached("SELECT 1 FROM ps_crud LIMIT 1");
  const bool queue_empty = !remaining.step();
  remaining.reset();
  set_write_target(writer, checkpoint && queue_empty ? *checkpoint : std::numeric_limits<std::int64_t>::max());
  transaction.commit();
}

}  // namespace powersync
