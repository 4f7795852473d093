#pragma once
// The ps_stream_subscriptions table, with the semantics of the official core
// (crates/core/src/sync/{subscriptions,storage_adapter}.rs): explicit subscriptions carry a
// TTL and an expiry, default streams the service announced are tracked without one, and
// subscriptions that expired or are neither explicit nor active are deleted before a request.
// The caller owns the transactions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"
#include "powersync/sync/stream_key.hpp"
#include "powersync/sync/stream_status.hpp"

namespace powersync::sync {

// One row of ps_stream_subscriptions.
struct LocalSubscription {
  std::int64_t id = 0;
  std::string stream_name;
  bool active = false;
  bool is_default = false;
  std::optional<int> local_priority;
  std::optional<std::string> local_params;  // JSON text as stored; nullopt for 'null'
  std::optional<std::int64_t> ttl;          // seconds; set iff subscribed explicitly
  std::optional<std::int64_t> expires_at;   // µs since epoch
  std::optional<std::int64_t> last_synced_at;

  bool has_subscribed_manually() const noexcept { return ttl.has_value(); }
};

// One entry of the request's `streams.subscriptions`.
struct RequestedSubscription {
  std::string stream;
  std::optional<std::string> parameters;  // JSON text
  std::optional<int> override_priority;
  bool operator==(const RequestedSubscription&) const = default;
};

// The explicit subscriptions a sync request carries, and the local row id of each (a bucket's
// `{"sub": i}` reason refers to entry i).
struct RequestedSubscriptions {
  bool include_defaults = true;
  std::vector<RequestedSubscription> subscriptions;
  std::vector<std::int64_t> ids;
  // Whether the request differs (the ids do not go on the wire).
  bool same_request(const RequestedSubscriptions& other) const {
    return include_defaults == other.include_defaults && subscriptions == other.subscriptions;
  }
};

// The official default TTL of an explicit subscription: one day.
inline constexpr std::int64_t kDefaultStreamTtlSeconds = 60 * 60 * 24;

class StreamStorage {
 public:
  explicit StreamStorage(Connection& db) : db_(db) {}

  // The official `subscribe` command: insert, or renew TTL and expiry and keep the smaller
  // priority number.
  void subscribe(const StreamKey& key, std::optional<std::chrono::seconds> ttl, std::optional<int> priority);
  // The official `unsubscribe` command (unsubscribeAll): no longer explicit.
  void unsubscribe_all(const StreamKey& key);
  // Moves the expiry of explicit subscriptions with live handles to now + TTL.
  void increase_ttl(const std::vector<StreamKey>& active);
  // Deletes outdated subscriptions, then lists the explicit ones in id order.
  RequestedSubscriptions collect_requests(bool include_defaults);
  std::vector<LocalSubscription> load_all();
  LocalSubscription create_default(const std::string& stream_name);
  void update(const LocalSubscription& subscription);
  void remove(std::int64_t id);
  void mark_synced(std::int64_t id, std::int64_t at_us);
  std::int64_t now_us();

 private:
  Connection& db_;
};

// A stored subscription as the status reports it before a checkpoint associated buckets.
SyncStreamStatus stream_status_from_local(const LocalSubscription& subscription);
// All stored subscriptions, for the status while not connected.
std::vector<SyncStreamStatus> load_stream_statuses(Connection& db);

}  // namespace powersync::sync
