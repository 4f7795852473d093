#pragma once
// An immutable snapshot of the sync state, published on every change.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powersync/sync/download_session.hpp"

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

  bool operator==(const SyncStatus&) const = default;
};

}  // namespace powersync::sync
