// Database: connecting to a PowerSync service. The sync worker does the work; the database
// wires it to the change notifier (uploads on queued writes, watchers on synced data) and
// keeps the latest status for waiters and listeners.

#include "powersync/database.hpp"

#include "powersync/sync/bucket_storage.hpp"
#include "powersync/sync/stream_subscriptions.hpp"
#include "powersync/transport/http_client.hpp"
#include "powersync/util/version.hpp"
#include "powersync/watch/change_notifier.hpp"
#include "powersync/watch/table_tracker.hpp"

namespace powersync {
namespace {

// A pseudo-table on the notifier: status listeners are notified as watchers of it, so they
// get the notifier's coalescing and its safe removal for free.
constexpr const char* kSyncStatusTopic = "$sync_status";
constexpr std::int64_t kFullSyncPriority = 2147483647;

sync::SyncStatus load_offline_status(Connection& reader) {
  sync::SyncStatus status;
  auto stmt = reader.prepare("SELECT priority, last_synced_at FROM ps_sync_state ORDER BY priority");
  while (stmt.step()) {
    const std::int64_t priority = stmt.column_int64(0);
    const std::int64_t at = stmt.column_int64(1);
    if (priority == kFullSyncPriority) {
      status.has_synced = true;
      status.last_synced_at_us = at;
    }
    status.priorities.push_back({static_cast<int>(priority), at, true});
  }
  status.streams = sync::load_stream_statuses(reader);
  return status;
}

}  // namespace

void Database::connect(std::shared_ptr<sync::Connector> connector, const sync::SyncOptions& options,
                       std::shared_ptr<transport::HttpClient> http) {
  if (!connector) throw_invalid_argument("connect needs a connector");
  if (is_closed()) throw_closed();
  std::lock_guard lock(connection_mutex_);
  if (worker_) {
    worker_->stop();
    worker_.reset();
  }
  if (!http) {
    transport::CurlHttpClientOptions http_options;
    http_options.user_agent = transport::make_user_agent(kVersion, options.user_agent_binding);
    http = transport::make_curl_http_client(http_options);
  }
  auto self = weak_from_this();
  // Sync commits publish through the tracker directly: holding the database from a worker
  // thread could make that thread the one that destroys it, with the writer still leased.
  TableTracker* tracker = tracker_.get();
  worker_ = std::make_shared<sync::SyncWorker>(
      pool_, client_id_, std::move(connector), std::move(http), options,
      [self](const sync::SyncStatus& status, std::uint64_t sequence) {
        if (auto db = self.lock()) db->publish_sync_status(status, sequence);
      },
      [tracker](Connection&) { tracker->flush_if_committed(); });
  {
    std::lock_guard status_lock(status_mutex_);
    status_sequence_ = 0;  // the new worker counts from 1 again
  }
  worker_->update_subscriptions(active_stream_keys());  // before start: its first request has them
  if (upload_trigger_ == 0) {
    upload_trigger_ = notifier_->add({"ps_crud"}, std::chrono::milliseconds(0), [self](const std::set<std::string>&) {
      auto db = self.lock();
      if (!db) return;
      std::lock_guard connection(db->connection_mutex_);
      if (db->worker_) db->worker_->trigger_upload();
    });
  }
  worker_->start();
}

void Database::disconnect() {
  std::shared_ptr<sync::SyncWorker> worker;
  ListenerId trigger = 0;
  {
    std::lock_guard lock(connection_mutex_);
    worker = std::move(worker_);
    trigger = std::exchange(upload_trigger_, 0);
  }
  if (trigger != 0 && notifier_) notifier_->remove(trigger);
  if (worker) worker->stop();
}

void Database::disconnect_and_clear(bool clear_local) {
  disconnect();
  Lease lease = writer();
  sync::clear_replica(*lease, clear_local);
  after_write(*lease);
  publish_sync_status(sync::SyncStatus{}, 0);
}

void Database::publish_sync_status(const sync::SyncStatus& status, std::uint64_t sequence) {
  {
    std::lock_guard lock(status_mutex_);
    if (sequence != 0 && sequence <= status_sequence_) return;  // overtaken by a newer snapshot
    status_sequence_ = sequence;
    status_ = status;
  }
  status_changed_.notify_all();
  if (notifier_) notifier_->notify({kSyncStatusTopic});
}

sync::SyncStatus Database::sync_status() const {
  {
    std::lock_guard lock(status_mutex_);
    if (status_) return *status_;
  }
  if (is_closed()) throw_closed();
  auto* self = const_cast<Database*>(this);
  Lease lease = self->reader();
  sync::SyncStatus offline = load_offline_status(*lease);
  std::lock_guard lock(status_mutex_);
  if (!status_) status_ = offline;
  return *status_;
}

Database::ListenerId Database::on_sync_status(std::function<void(const sync::SyncStatus&)> callback) {
  if (!callback) throw_invalid_argument("on_sync_status needs a callback");
  if (is_closed()) throw_closed();
  auto self = weak_from_this();
  return notifier_->add({kSyncStatusTopic}, std::chrono::milliseconds(0),
                        [self, callback = std::move(callback)](const std::set<std::string>&) {
                          if (auto db = self.lock()) callback(db->sync_status());
                        });
}

bool Database::wait_for_status(const std::function<bool(const sync::SyncStatus&)>& predicate,
                               std::chrono::milliseconds timeout) {
  sync_status();  // makes sure a status is loaded
  std::unique_lock lock(status_mutex_);
  return status_changed_.wait_for(lock, timeout, [&] { return is_closed() || predicate(*status_); }) &&
         !is_closed();
}

bool Database::wait_for_first_sync(std::optional<int> priority, std::chrono::milliseconds timeout) {
  return wait_for_status(
      [priority](const sync::SyncStatus& status) {
        if (status.has_synced) return true;
        if (!priority) return false;
        for (const auto& entry : status.priorities) {
          if (entry.priority >= *priority && entry.has_synced) return true;
        }
        return false;
      },
      timeout);
}

}  // namespace powersync
