// Database: Sync Streams. Subscriptions are stored in ps_stream_subscriptions; the database
// counts live handles per subscription and tells the sync worker which are live, as the
// official SDKs' connection manager does (their TTL keeps moving while a handle lives).

#include "powersync/database.hpp"
#include "powersync/sync/stream_subscriptions.hpp"
#include "powersync/sync/sync_stream.hpp"
#include "powersync/util/log.hpp"

namespace powersync {

sync::SyncStream Database::sync_stream(std::string name, std::optional<std::string_view> parameters_json) {
  if (is_closed()) throw_closed();
  return sync::SyncStream(weak_from_this(), sync::StreamKey::make(std::move(name), parameters_json));
}

std::vector<sync::StreamKey> Database::active_stream_keys() {
  std::lock_guard lock(streams_mutex_);
  std::vector<sync::StreamKey> keys;
  keys.reserve(active_streams_.size());
  for (const auto& [key, handles] : active_streams_) keys.push_back(key);
  return keys;
}

void Database::streams_changed_locked(bool refresh_offline_status) {
  if (worker_) {
    // Extends the live subscriptions and reopens the stream if the request changed.
    worker_->update_subscriptions(active_stream_keys());
    return;
  }
  if (!refresh_offline_status) return;
  // Not connected: the status lists the stored subscriptions, as the official SDKs'
  // offline status does.
  sync::SyncStatus status = sync_status();
  {
    Lease lease = writer();
    status.streams = sync::load_stream_statuses(*lease);
  }
  publish_sync_status(status, 0);
}

std::shared_ptr<sync::SyncStreamSubscription> Database::subscribe_stream(const sync::StreamKey& key,
                                                                         const sync::SubscribeOptions& options) {
  if (is_closed()) throw_closed();
  std::lock_guard connection(connection_mutex_);
  {
    // Also when the subscription exists: it renews the expiry (what counts if the app
    // closes before connecting again).
    Lease lease = writer();
    TransactionGuard tx(*lease);
    sync::StreamStorage(*lease).subscribe(key, options.ttl, options.priority);
    tx.commit();
  }
  std::shared_ptr<sync::SyncStreamSubscription> handle(new sync::SyncStreamSubscription(weak_from_this(), key));
  {
    std::lock_guard lock(streams_mutex_);
    ++active_streams_[key];
  }
  streams_changed_locked(true);
  return handle;
}

void Database::unsubscribe_all_streams(const sync::StreamKey& key) {
  if (is_closed()) throw_closed();
  std::lock_guard connection(connection_mutex_);
  {
    Lease lease = writer();
    TransactionGuard tx(*lease);
    sync::StreamStorage(*lease).unsubscribe_all(key);
    tx.commit();
  }
  streams_changed_locked(true);
}

void Database::release_stream(const sync::StreamKey& key) {
  {
    std::lock_guard lock(streams_mutex_);
    auto found = active_streams_.find(key);
    if (found == active_streams_.end() || --found->second > 0) return;
    active_streams_.erase(found);
  }
  if (is_closed()) return;
  // The subscription stays stored until its TTL runs out; only a connection cares.
  std::lock_guard connection(connection_mutex_);
  streams_changed_locked(false);
}

bool Database::wait_for_stream_synced(const sync::StreamKey& key, std::chrono::milliseconds timeout,
                                      std::stop_token stop) {
  if (is_closed()) return false;
  sync_status();  // makes sure a status is loaded
  std::stop_callback wake(stop, [this] {
    // Taking the lock orders the wake-up after the waiter's predicate check.
    { std::lock_guard lock(status_mutex_); }
    status_changed_.notify_all();
  });
  auto synced = [&] {
    for (const auto& stream : status_->streams) {
      if (stream.name == key.name && stream.parameters_json == key.parameters_json) return stream.has_synced();
    }
    return false;
  };
  std::unique_lock lock(status_mutex_);
  status_changed_.wait_for(lock, timeout, [&] { return is_closed() || stop.stop_requested() || synced(); });
  return !is_closed() && synced();
}

}  // namespace powersync

namespace powersync::sync {

std::shared_ptr<SyncStreamSubscription> SyncStream::subscribe(const SubscribeOptions& options) {
  auto db = db_.lock();
  if (!db) throw_closed();
  return db->subscribe_stream(key_, options);
}

void SyncStream::unsubscribe_all() {
  auto db = db_.lock();
  if (!db) throw_closed();
  db->unsubscribe_all_streams(key_);
}

SyncStreamSubscription::~SyncStreamSubscription() {
  try {
    unsubscribe();
  } catch (const std::exception& e) {
    log::warn(std::string("Releasing a stream subscription failed: ") + e.what());
  }
}

void SyncStreamSubscription::unsubscribe() {
  if (released_.exchange(true)) return;
  if (auto db = db_.lock()) db->release_stream(key_);
}

bool SyncStreamSubscription::wait_for_first_sync(std::chrono::milliseconds timeout, std::stop_token stop) {
  auto db = db_.lock();
  if (!db) return false;
  return db->wait_for_stream_synced(key_, timeout, std::move(stop));
}

}  // namespace powersync::sync
