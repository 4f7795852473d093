#include "powersync/sync/bucket_storage.hpp"

#include <nlohmann/json.hpp>

#include "powersync/storage/internal_schema.hpp"

namespace powersync::sync {

std::vector<BucketRequest> BucketStorage::bucket_requests() {
  std::vector<BucketRequest> out;
  auto& stmt = db_.cached("SELECT name, last_op FROM ps_buckets WHERE pending_delete = 0");
  while (stmt.step()) out.push_back({std::string(stmt.column_text(0)), stmt.column_int64(1)});
  stmt.reset();
  return out;
}

void BucketStorage::delete_buckets(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto& remove = db_.cached("DELETE FROM ps_buckets WHERE name = ?1 RETURNING id");
    remove.bind_text(1, name);
    if (!remove.step()) continue;
    const std::int64_t id = remove.column_int64(0);
    remove.reset();
    auto& mark = db_.cached(
        "INSERT OR IGNORE INTO ps_updated_rows(row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
        "WHERE bucket = ?1");
    mark.bind_int64(1, id);
    mark.run();
    auto& ops = db_.cached("DELETE FROM ps_oplog WHERE bucket = ?1");
    ops.bind_int64(1, id);
    ops.run();
  }
}

std::vector<ChecksumMismatch> BucketStorage::validate(const TargetCheckpoint& checkpoint,
                                                      std::optional<int> priority) {
  std::vector<ChecksumMismatch> failures;
  auto& stmt = db_.cached("SELECT add_checksum, op_checksum FROM ps_buckets WHERE name = ?");
  for (const auto& [name, bucket] : checkpoint.buckets) {
    if (!is_in_priority(bucket, priority)) continue;
    stmt.reset();
    stmt.bind_text(1, name);
    protocol::Checksum actual;
    if (stmt.step()) {
      actual = protocol::Checksum{static_cast<std::uint32_t>(stmt.column_int64(0))} +
               protocol::Checksum{static_cast<std::uint32_t>(stmt.column_int64(1))};
    }
    if (actual != bucket.checksum) failures.push_back({name, bucket.checksum, actual});
  }
  stmt.reset();
  return failures;
}

std::int64_t BucketStorage::now_us() {
  auto& stmt = db_.cached("SELECT CAST(unixepoch('subsec') * 1000000 as integer)");
  stmt.step();
  const std::int64_t now = stmt.column_int64(0);
  stmt.reset();
  return now;
}

// The official `$local` rule: downloaded data waits while local writes are queued or a
// write checkpoint the client asked for has not come back in the stream. Priority 0 is
// exempt, so the most important data is never held back by uploads.
bool BucketStorage::can_apply(std::optional<int> priority) {
  if (priority && *priority == protocol::kHighestPriority) return true;
  auto& target = db_.cached(
      "SELECT 1 FROM ps_kv AS target LEFT JOIN ps_kv AS seen ON seen.key = 'last_seen_checkpoint_request_id' "
      "WHERE target.key = 'target_checkpoint_request_id' "
      "AND CAST(target.value AS INTEGER) > COALESCE(CAST(seen.value AS INTEGER), 0)");
  const bool waiting_for_checkpoint = target.step();
  target.reset();
  if (waiting_for_checkpoint) return false;
  auto& crud = db_.cached("SELECT 1 FROM ps_crud LIMIT 1");
  const bool has_local_writes = crud.step();
  crud.reset();
  return !has_local_writes;
}

ApplyResult BucketStorage::sync_local(const TargetCheckpoint& checkpoint, std::optional<int> priority) {
  finish_bulk_load(db_);
  ApplyResult result;
  result.failures = validate(checkpoint, priority);
  if (!result.failures.empty()) {
    std::vector<std::string> names;
    for (const auto& failure : result.failures) names.push_back(failure.bucket);
    delete_buckets(names);
    result.outcome = ApplyOutcome::checksum_failure;
    return result;
  }

  nlohmann::json partial_buckets = nlohmann::json::array();
  auto& set_last_op = db_.cached("UPDATE ps_buckets SET last_op = ? WHERE name = ?");
  for (const auto& [name, bucket] : checkpoint.buckets) {
    if (!is_in_priority(bucket, priority)) continue;
    set_last_op.reset();
    set_last_op.bind_int64(1, checkpoint.last_op_id);
    set_last_op.bind_text(2, name);
    set_last_op.run();
    if (priority) partial_buckets.push_back(name);
  }
  if (!priority && checkpoint.write_checkpoint) {
    auto& seen = db_.cached(
        "INSERT INTO ps_kv(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    seen.bind_text(1, kLastSeenCheckpointRequestKey);
    seen.bind_int64(2, *checkpoint.write_checkpoint);
    seen.run();
  }

  if (!can_apply(priority)) {
    result.outcome = ApplyOutcome::pending_local_changes;
    return result;
  }

  const std::string buckets_json =
      priority ? nlohmann::json{{"priority", *priority}, {"buckets", partial_buckets}}.dump() : std::string();
  const std::int64_t now = now_us();
  apply_rows(priority, buckets_json);
  mark_completed(priority, buckets_json, now);

  if (!priority) {
    auto& counts = db_.cached("UPDATE ps_buckets SET count_since_last = 0, count_at_last = ? WHERE name = ?");
    for (const auto& [name, bucket] : checkpoint.buckets) {
      if (!bucket.count) continue;
      counts.reset();
      counts.bind_int64(1, *bucket.count);
      counts.bind_text(2, name);
      counts.run();
    }
  }
  result.outcome = ApplyOutcome::applied;
  result.synced_at_us = now;
  return result;
}

void BucketStorage::mark_completed(std::optional<int> priority, const std::string& partial_buckets_json,
                                   std::int64_t now_us) {
  if (priority) {
    auto& applied = db_.cached(
        "UPDATE ps_buckets SET last_applied_op = last_op WHERE last_applied_op != last_op AND "
        "name IN (SELECT value FROM json_each(json_extract(?1, '$.buckets')))");
    applied.bind_text(1, partial_buckets_json);
    applied.run();
  } else {
    db_.cached("UPDATE ps_buckets SET last_applied_op = last_op WHERE last_applied_op != last_op").run();
    db_.cached("DELETE FROM ps_updated_rows").run();
  }
  // ps_sync_state keeps one row per priority synced; the full checkpoint uses INT32_MAX.
  const std::int64_t code = priority ? *priority : 2147483647;
  auto& older = db_.cached("DELETE FROM ps_sync_state WHERE priority < ?1");
  older.bind_int64(1, code);
  older.run();
  auto& state = db_.cached("INSERT OR REPLACE INTO ps_sync_state (priority, last_synced_at) VALUES (?, ?)");
  state.bind_int64(1, code);
  state.bind_int64(2, now_us);
  state.run();
}

}  // namespace powersync::sync
