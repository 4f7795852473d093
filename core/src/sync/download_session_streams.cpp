// DownloadSession: Sync Stream subscriptions, as the official core's streaming_sync.rs
// (resolve_subscription_state): a checkpoint's `streams` are matched to the stored
// subscriptions, default streams get a row, and each bucket's `subscriptions` reasons tie it
// to the subscriptions it serves, for their priority, progress and last sync time.

#include <algorithm>

#include "powersync/sync/download_session.hpp"

namespace powersync::sync {

bool DownloadSession::subscriptions_changed(Connection& db) {
  TransactionGuard tx(db);
  const RequestedSubscriptions now = StreamStorage(db).collect_requests(options_.include_default_streams);
  tx.commit();
  return !now.same_request(requested_);
}

bool DownloadSession::update_subscriptions(Connection& db, std::vector<StreamKey> active) {
  active_streams_ = std::move(active);
  if (!iterating_) return false;  // the next start() sends the new set
  {
    TransactionGuard tx(db);
    StreamStorage(db).increase_ttl(active_streams_);
    tx.commit();
  }
  return subscriptions_changed(db);
}

void DownloadSession::resolve_streams(Connection& db, const TargetCheckpoint& target, Instructions& out) {
  StreamStorage storage(db);
  struct Tracked {
    LocalSubscription local;
    std::optional<std::size_t> server;  // index into checkpoint_streams_
  };
  std::vector<Tracked> tracked;
  for (auto& local : storage.load_all()) {
    // Active again only if the checkpoint includes the stream.
    local.active = false;
    local.is_default = false;
    tracked.push_back({std::move(local), std::nullopt});
  }

  for (std::size_t server_index = 0; server_index < checkpoint_streams_.size(); ++server_index) {
    const auto& stream = checkpoint_streams_[server_index];
    bool has_local = false;
    for (auto& entry : tracked) {
      if (entry.local.stream_name != stream.name) continue;
      entry.server = server_index;
      entry.local.active = true;
      entry.local.is_default = stream.is_default;
      has_local = true;
    }
    for (const auto& error : stream.errors) {
      if (!error.subscription) {
        out.warnings.push_back("Default subscription " + stream.name + " has errors: " + error.message);
        continue;
      }
      const auto index = static_cast<std::size_t>(*error.subscription);
      if (*error.subscription < 0 || index >= requested_.ids.size()) continue;
      for (const auto& entry : tracked) {
        if (entry.local.id != requested_.ids[index]) continue;
        std::string message = "Subscription to stream " + entry.local.stream_name + " ";
        message += entry.local.local_params ? "(with parameters " + *entry.local.local_params + ")"
                                            : std::string("(without parameters)");
        out.warnings.push_back(message + " could not be resolved: " + error.message);
      }
    }
    if (!has_local && stream.is_default) tracked.push_back({storage.create_default(stream.name), server_index});
  }

  // Subscriptions neither explicit nor in the checkpoint are gone.
  std::vector<Tracked> kept;
  for (auto& entry : tracked) {
    if (!entry.local.has_subscribed_manually() && !entry.server) {
      storage.remove(entry.local.id);
    } else {
      storage.update(entry.local);
      kept.push_back(std::move(entry));
    }
  }
  std::sort(kept.begin(), kept.end(), [](const Tracked& a, const Tracked& b) { return a.local.id < b.local.id; });

  state_.streams.clear();
  tracked_streams_.clear();
  std::map<std::size_t, std::size_t> default_stream_to_entry;  // checkpoint stream index -> entry
  for (std::size_t i = 0; i < kept.size(); ++i) {
    state_.streams.push_back(stream_status_from_local(kept[i].local));
    tracked_streams_.push_back({kept[i].local.id, {}});
    if (kept[i].server && checkpoint_streams_[*kept[i].server].is_default && !kept[i].local.has_subscribed_manually()) {
      default_stream_to_entry.emplace(*kept[i].server, i);
    }
  }
  auto entry_for_id = [&](std::int64_t id) -> std::optional<std::size_t> {
    auto found = std::lower_bound(kept.begin(), kept.end(), id,
                                  [](const Tracked& t, std::int64_t value) { return t.local.id < value; });
    if (found == kept.end() || found->local.id != id) return std::nullopt;
    return static_cast<std::size_t>(found - kept.begin());
  };

  for (const auto& [name, bucket] : target.buckets) {
    for (const auto& reason : bucket.subscriptions) {
      std::optional<std::size_t> entry;
      if (reason.is_default) {
        if (auto found = default_stream_to_entry.find(static_cast<std::size_t>(reason.index));
            reason.index >= 0 && found != default_stream_to_entry.end()) {
          entry = found->second;
        }
      } else if (reason.index >= 0 && static_cast<std::size_t>(reason.index) < requested_.ids.size()) {
        entry = entry_for_id(requested_.ids[static_cast<std::size_t>(reason.index)]);
      }
      if (!entry) continue;
      auto& buckets = tracked_streams_[*entry].buckets;
      if (std::find(buckets.begin(), buckets.end(), name) == buckets.end()) buckets.push_back(name);
      // The stream is complete once its lowest-priority bucket is.
      const int priority = effective_priority(bucket);
      auto& stream_priority = state_.streams[*entry].priority;
      stream_priority = stream_priority ? std::max(*stream_priority, priority) : priority;
    }
  }
}

void DownloadSession::mark_streams_synced(Connection& db, std::optional<int> priority, std::int64_t at_us) {
  StreamStorage storage(db);
  for (std::size_t i = 0; i < state_.streams.size(); ++i) {
    auto& stream = state_.streams[i];
    // A partial checkpoint covers a stream whose every bucket is at `priority` or above.
    const bool covered = !priority || (stream.priority && *stream.priority <= *priority);
    if (!covered) continue;
    storage.mark_synced(tracked_streams_[i].id, at_us);
    stream.last_synced_at_us = at_us;
  }
}

void DownloadSession::load_stream_progress() {
  for (std::size_t i = 0; i < state_.streams.size(); ++i) {
    auto& progress = state_.streams[i].progress;
    if (!state_.downloading) {
      progress.reset();
      continue;
    }
    ProgressCounts counts;
    for (const auto& bucket : tracked_streams_[i].buckets) {
      if (auto found = bucket_progress_.find(bucket); found != bucket_progress_.end()) {
        counts.downloaded += found->second.since_last;
        counts.total += found->second.expected;
      }
    }
    progress = counts;
  }
}

}  // namespace powersync::sync
