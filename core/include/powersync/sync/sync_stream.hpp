#pragma once
// Sync Streams, as the official SDKs expose them: `db->sync_stream(name, params)` names a
// stream, `subscribe()` persists a subscription to it (ps_stream_subscriptions) and returns a
// handle. While any handle is alive the subscription is requested from the service and its
// expiry keeps moving forward; after the last handle is released it stays subscribed until its
// TTL runs out (default one day), so an app restart does not lose the data at once.
// Subscribing or releasing while connected re-requests the sync stream when the set of
// requested subscriptions changes.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "powersync/sync/stream_key.hpp"

namespace powersync {
class Database;
}

namespace powersync::sync {

struct SubscribeOptions {
  // How long the subscription outlives its last handle; nullopt: one day, as the official core.
  std::optional<std::chrono::seconds> ttl;
  // Overrides the priority (0 highest .. 3) of the stream's buckets for this subscription.
  std::optional<int> priority;
};

class SyncStreamSubscription;

// A stream name with parameters; cheap to copy. Holds the database weakly.
class SyncStream {
 public:
  const std::string& name() const noexcept { return key_.name; }
  // Canonical JSON object text, or nullopt when subscribed without parameters.
  const std::optional<std::string>& parameters_json() const noexcept { return key_.parameters_json; }
  const StreamKey& key() const noexcept { return key_; }

  // Persists the subscription (or renews its TTL and lowers its priority number, as the official
  // core does) and returns a new handle. Throws Error(closed) once the database is closed or gone,
  // Error(invalid_argument) for a priority outside 0..3 or a negative TTL.
  std::shared_ptr<SyncStreamSubscription> subscribe(const SubscribeOptions& options = {});
  // Drops the explicit subscription at once, whatever handles exist (the official
  // unsubscribeAll): it is no longer requested, even before its TTL ran out.
  void unsubscribe_all();

 private:
  friend class powersync::Database;
  SyncStream(std::weak_ptr<Database> db, StreamKey key) : db_(std::move(db)), key_(std::move(key)) {}
  std::weak_ptr<Database> db_;
  StreamKey key_;
};

// A live subscription handle. Thread-safe. Destroying it releases it (unsubscribe()).
class SyncStreamSubscription {
 public:
  ~SyncStreamSubscription();
  SyncStreamSubscription(const SyncStreamSubscription&) = delete;
  SyncStreamSubscription& operator=(const SyncStreamSubscription&) = delete;

  const std::string& name() const noexcept { return key_.name; }
  const std::optional<std::string>& parameters_json() const noexcept { return key_.parameters_json; }
  const StreamKey& key() const noexcept { return key_; }

  // Blocks until the stream's data has been synced at least once (its status has_synced).
  // False on timeout, when `stop` is requested, or when the database closes.
  bool wait_for_first_sync(std::chrono::milliseconds timeout, std::stop_token stop = {});
  // Releases this handle; idempotent. When no handle of the subscription remains, it is no
  // longer kept alive and expires after its TTL.
  void unsubscribe();

 private:
  friend class powersync::Database;
  SyncStreamSubscription(std::weak_ptr<Database> db, StreamKey key) : db_(std::move(db)), key_(std::move(key)) {}
  std::weak_ptr<Database> db_;
  StreamKey key_;
  std::atomic<bool> released_{false};
};

}  // namespace powersync::sync
