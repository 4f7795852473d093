#pragma once
// Value types of the sync status: download progress counts and the state of one Sync Stream
// subscription (the official core's ActiveStreamSubscription with its progress).

#include <cstdint>
#include <optional>
#include <string>

namespace powersync::sync {

struct ProgressCounts {
  std::int64_t downloaded = 0;
  std::int64_t total = 0;
  bool operator==(const ProgressCounts&) const = default;
};

struct SyncStreamStatus {
  std::string name;
  std::optional<std::string> parameters_json;  // canonical JSON object; nullopt without parameters
  bool active = false;                     // the service included the stream in the last checkpoint
  bool is_default = false;                 // the service syncs it without an explicit subscription
  bool has_explicit_subscription = false;  // subscribed through sync_stream(...).subscribe()
  std::optional<std::int64_t> expires_at_us;      // when an explicit subscription runs out (µs since epoch)
  std::optional<std::int64_t> last_synced_at_us;  // when its data was last made visible
  // The lowest priority (highest number) of the stream's buckets in the current checkpoint:
  // its data is complete once that priority has synced. nullopt before a checkpoint names it.
  std::optional<int> priority;
  // Ops downloaded / expected for the stream's buckets; only while a checkpoint downloads.
  std::optional<ProgressCounts> progress;

  bool has_synced() const noexcept { return last_synced_at_us.has_value(); }
  bool operator==(const SyncStreamStatus&) const = default;
};

}  // namespace powersync::sync
