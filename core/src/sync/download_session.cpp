#include "powersync/sync/download_session.hpp"

#include <nlohmann/json.hpp>

#include "powersync/util/error.hpp"

namespace powersync::sync {
namespace {

constexpr std::int64_t kFullSyncPriority = 2147483647;  // ps_sync_state's row for a full sync
constexpr std::int64_t kPrefetchSeconds = 30;           // refresh a token this close to expiry

nlohmann::json parse_object(const std::string& text, const char* what) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) throw_invalid_argument(std::string(what) + " is not valid JSON");
  return value;
}

}  // namespace

DownloadSession::DownloadSession(SessionOptions options) : options_(std::move(options)) {}

std::string DownloadSession::start(Connection& db) {
  TransactionGuard tx(db);
  BucketStorage storage(db);
  load_sync_state(db);
  nlohmann::json buckets = nlohmann::json::array();
  local_buckets_.clear();
  for (const auto& request : storage.bucket_requests()) {
    // `after` travels as a string, as the official client sends it.
    buckets.push_back({{"name", request.name}, {"after", std::to_string(request.after)}});
    local_buckets_.push_back(request.name);
  }
  // Live handles keep their subscriptions from expiring; expired ones are dropped here.
  StreamStorage streams(db);
  streams.increase_ttl(active_streams_);
  requested_ = streams.collect_requests(options_.include_default_streams);
  state_.streams.clear();
  tracked_streams_.clear();
  for (const auto& local : streams.load_all()) {
    state_.streams.push_back(stream_status_from_local(local));
    tracked_streams_.push_back({local.id, {}});
  }
  tx.commit();
  checkpoint_streams_.clear();
  iterating_ = true;

  nlohmann::json subscriptions = nlohmann::json::array();
  for (const auto& requested : requested_.subscriptions) {
    nlohmann::json parameters;  // null
    if (requested.parameters) {
      parameters = nlohmann::json::parse(*requested.parameters, nullptr, false);
      if (parameters.is_discarded()) parameters = nullptr;
    }
    subscriptions.push_back({{"stream", requested.stream},
                             {"parameters", std::move(parameters)},
                             {"override_priority", requested.override_priority ? nlohmann::json(*requested.override_priority)
                                                                               : nlohmann::json(nullptr)}});
  }
  nlohmann::json body = {
      {"buckets", std::move(buckets)},
      {"include_checksum", true},
      {"raw_data", true},
      // Old service versions need it set when the client accepts BSON.
      {"binary_data", true},
      {"client_id", options_.client_id},
      {"parameters", parse_object(options_.parameters_json, "parameters")},
      {"streams",
       {{"include_defaults", options_.include_default_streams},
        {"subscriptions", std::move(subscriptions)}}},
      {"app_metadata", parse_object(options_.app_metadata_json, "app_metadata")},
  };
  return body.dump();
}

void DownloadSession::connection_established() { state_.connected = true; }

void DownloadSession::stream_ended() {
  state_.connected = false;
  state_.downloading = false;
  target_.reset();
  iterating_ = false;
  checkpoint_streams_.clear();
  load_stream_progress();
}

Instructions DownloadSession::handle_line(Connection& db, const protocol::SyncLine& line, std::size_t size) {
  if (const auto* checkpoint = std::get_if<protocol::Checkpoint>(&line)) {
    // Stream descriptions come with full checkpoints only; diffs keep them.
    checkpoint_streams_ = checkpoint->streams;
    TargetCheckpoint target = TargetCheckpoint::from(*checkpoint);
    // Buckets held locally (or in the previous checkpoint) that this one lacks are gone.
    std::vector<std::string> to_delete;
    auto consider = [&](const std::string& name) {
      if (!target.buckets.count(name)) to_delete.push_back(name);
    };
    if (target_) {
      for (const auto& [name, bucket] : target_->buckets) consider(name);
    } else {
      for (const auto& name : local_buckets_) consider(name);
    }
    return on_checkpoint(db, std::move(target), to_delete);
  }
  if (const auto* diff = std::get_if<protocol::CheckpointDiff>(&line)) {
    if (!target_) throw Error(ErrorCode::network, "Invalid sync line: checkpoint_diff without a previous checkpoint");
    TargetCheckpoint target = *target_;
    target.apply_diff(*diff);
    return on_checkpoint(db, std::move(target), diff->removed_buckets);
  }
  if (const auto* data = std::get_if<protocol::DataLine>(&line)) {
    if (db.in_transaction()) {  // the sync worker batches data lines in one transaction
      BucketStorage(db).save_data_line(*data, size);
    } else {
      TransactionGuard tx(db);
      BucketStorage(db).save_data_line(*data, size);
      tx.commit();
    }
    if (auto found = bucket_progress_.find(data->bucket); found != bucket_progress_.end()) {
      found->second.since_last += static_cast<std::int64_t>(data->data.size());
      load_progress();
    }
    return {};
  }
  if (std::holds_alternative<protocol::CheckpointComplete>(line)) return on_complete(db, std::nullopt);
  if (const auto* partial = std::get_if<protocol::PartialCheckpointComplete>(&line)) {
    return on_complete(db, partial->priority);
  }
  if (const auto* keepalive = std::get_if<protocol::TokenExpiresIn>(&line)) {
    Instructions out;
    {
      TransactionGuard tx(db);
      StreamStorage(db).increase_ttl(active_streams_);
      tx.commit();
    }
    if (keepalive->expired()) {
      out.fetch_credentials = true;
      out.credentials_expired = true;
      out.close_stream = true;
    } else if (keepalive->seconds <= kPrefetchSeconds) {
      out.fetch_credentials = true;
    } else if (subscriptions_changed(db)) {
      // A subscription expired meanwhile: request the new set.
      out.close_stream = true;
    }
    return out;
  }
  return {};  // unknown line types are ignored, as by the official client
}

Instructions DownloadSession::on_checkpoint(Connection& db, TargetCheckpoint target,
                                            const std::vector<std::string>& to_delete) {
  Instructions out;
  TransactionGuard tx(db);
  BucketStorage(db).delete_buckets(to_delete);
  resolve_streams(db, target, out);

  // Progress: ops since the last completed checkpoint against the counts announced now.
  std::map<std::string, BucketProgress> progress;
  for (const auto& [name, bucket] : target.buckets) {
    progress[name] = {effective_priority(bucket), 0, bucket.count.value_or(0)};
  }
  bool needs_reset = false;
  auto& local = db.cached("SELECT name, count_at_last, count_since_last FROM ps_buckets");
  while (local.step()) {
    auto found = progress.find(std::string(local.column_text(0)));
    if (found == progress.end()) continue;
    const std::int64_t at_last = local.column_int64(1), since_last = local.column_int64(2);
    if (found->second.expected < at_last + since_last) {
      // The bucket shrank (compaction, new sync config): progress restarts from zero.
      needs_reset = true;
      break;
    }
    found->second.expected -= at_last;
    found->second.since_last = since_last;
  }
  local.reset();
  if (needs_reset) {
    db.exec("UPDATE ps_buckets SET count_since_last = 0, count_at_last = 0");
    for (auto& [name, p] : progress) {
      p.since_last = 0;
      p.expected = target.buckets.at(name).count.value_or(0);
    }
  }
  std::int64_t expected_ops = 0;
  for (const auto& [name, p] : progress) expected_ops += p.expected - p.since_last;
  begin_bulk_load(db, expected_ops);
  tx.commit();

  bucket_progress_ = std::move(progress);
  target_ = std::move(target);
  held_back_.reset();  // a newer checkpoint supersedes one waiting for uploads
  state_.downloading = true;
  load_progress();
  return out;
}

Instructions DownloadSession::on_complete(Connection& db, std::optional<int> priority) {
  if (!target_) {
    throw Error(ErrorCode::network, "Invalid sync line: checkpoint completion without a previous checkpoint");
  }
  Instructions out;
  TransactionGuard tx(db);
  const ApplyResult result = BucketStorage(db).sync_local(*target_, priority);
  switch (result.outcome) {
    case ApplyOutcome::checksum_failure: {
      std::string names;
      for (const auto& failure : result.failures) names += (names.empty() ? "" : ", ") + failure.bucket;
      out.warnings.push_back("Checksum mismatch in bucket(s) " + names + "; downloading them again");
      out.close_stream = true;
      break;
    }
    case ApplyOutcome::pending_local_changes:
      if (!priority) held_back_ = *target_;
      break;
    case ApplyOutcome::applied:
      mark_streams_synced(db, priority, result.synced_at_us);
      if (!priority) {
        persist_applied_request(db, *target_);
        out.checkpoint_applied = true;
      } else {
        out.partial_applied = priority;
      }
      break;
  }
  tx.commit();
  if (out.checkpoint_applied) {
    state_.downloading = false;
    load_stream_progress();
  }
  if (out.checkpoint_applied || out.partial_applied) load_sync_state(db);
  return out;
}

Instructions DownloadSession::upload_completed(Connection& db) {
  Instructions out;
  if (!held_back_) return out;
  TransactionGuard tx(db);
  // A held-back checkpoint older than the write checkpoint of the upload cannot contain it.
  auto& target = db.cached("SELECT CAST(value AS INTEGER) FROM ps_kv WHERE key = 'target_checkpoint_request_id'");
  std::optional<std::int64_t> target_request;
  if (target.step()) target_request = target.column_int64(0);
  target.reset();
  if (held_back_->write_checkpoint < target_request) {
    held_back_.reset();
    return out;
  }
  const ApplyResult result = BucketStorage(db).sync_local(*held_back_, std::nullopt);
  if (result.outcome == ApplyOutcome::applied) {
    mark_streams_synced(db, std::nullopt, result.synced_at_us);
    persist_applied_request(db, *held_back_);
    out.checkpoint_applied = true;
  }
  tx.commit();
  held_back_.reset();
  if (out.checkpoint_applied) {
    state_.downloading = false;
    load_stream_progress();
    load_sync_state(db);
  }
  return out;
}

void DownloadSession::persist_applied_request(Connection& db, const TargetCheckpoint& checkpoint) {
  if (!checkpoint.write_checkpoint) return;
  auto& stmt = db.cached(
      "INSERT INTO ps_kv(key, value) VALUES('last_applied_checkpoint_request_id', ?1) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  stmt.bind_int64(1, *checkpoint.write_checkpoint);
  stmt.run();
}

void DownloadSession::load_progress() {
  state_.progress.clear();
  for (int priority = protocol::kHighestPriority; priority <= protocol::kLowestPriority; ++priority) {
    ProgressCounts counts;
    for (const auto& [name, p] : bucket_progress_) {
      if (p.priority > priority) continue;
      counts.downloaded += p.since_last;
      counts.total += p.expected;
    }
    state_.progress[priority] = counts;
  }
  load_stream_progress();
}

void DownloadSession::load_sync_state(Connection& db) {
  state_.priorities.clear();
  state_.last_synced_at_us.reset();
  state_.has_synced = false;
  auto& stmt = db.cached("SELECT priority, last_synced_at FROM ps_sync_state ORDER BY priority");
  while (stmt.step()) {
    const std::int64_t priority = stmt.column_int64(0);
    const std::int64_t at = stmt.column_int64(1);
    if (priority == kFullSyncPriority) {
      state_.last_synced_at_us = at;
      state_.has_synced = true;
    }
    state_.priorities.push_back({static_cast<int>(priority), at, true});
  }
  stmt.reset();
}

}  // namespace powersync::sync
