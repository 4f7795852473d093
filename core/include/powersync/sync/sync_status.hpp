#pragma once
// An immutable snapshot of the sync state, published on every change.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powersync/sync/download_session.hpp"
#include "powersync/sync/stream_status.hpp"

namespace powersync::sync {

struct SyncStatus {
  bool connected = false;
  bool connecting = false;
  bool downloading = false;
  bool uploading = false;
  bool has_synced = false;
  std::optional<std::int64_t> last_synced_at_us;
  // While downloading: ops downloaded / expected, per priority 0..3 (cumulative).
  std::map<int, ProgressCounts> download_progress;
  std::vector<PriorityStatus> priorities;
  std::optional<std::string> download_error;
  std::optional<std::string> upload_error;
  // Every tracked stream subscription (explicit ones, and default streams the service sent).
  std::vector<SyncStreamStatus> streams;

  // The status of the stream subscribed with `parameters_json` (compared as canonical JSON;
  // nullopt or "null" for none), if tracked. Throws Error(invalid_argument) for parameters
  // that are not a JSON object.
  std::optional<SyncStreamStatus> for_stream(std::string_view name,
                                             std::optional<std::string_view> parameters_json = std::nullopt) const;

  bool operator==(const SyncStatus&) const = default;
};

}  // namespace powersync::sync
