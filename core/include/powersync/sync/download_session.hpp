#pragma once
// One sync iteration's download side, independent of transport: the request body to open
// the stream, then lines in, instructions and status out. Mirrors the official core's
// streaming_sync.rs: checkpoints are tracked (diffs merged), data stored as it arrives,
// and a checkpoint becomes visible in the same write transaction as its completion line.
// Not thread-safe; the sync worker owns it. Every call takes the writer connection and
// runs in its own write transaction, so the writer is free for the app between lines.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/sync/bucket_storage.hpp"
#include "powersync/sync/stream_key.hpp"
#include "powersync/sync/stream_status.hpp"
#include "powersync/sync/stream_subscriptions.hpp"

namespace powersync::sync {

struct PriorityStatus {
  int priority = 0;
  std::optional<std::int64_t> last_synced_at_us;
  bool has_synced = false;
  bool operator==(const PriorityStatus&) const = default;
};

// What the download side knows; the status module turns it into public snapshots.
struct DownloadState {
  bool connected = false;
  bool downloading = false;  // a checkpoint is being received
  // Per bucket priority 0..3: ops downloaded and expected for the current checkpoint,
  // cumulative over the higher priorities (as the official SDKs report progress).
  std::map<int, ProgressCounts> progress;
  std::vector<PriorityStatus> priorities;  // from ps_sync_state, full sync as priority 2^31-1
  std::optional<std::int64_t> last_synced_at_us;
  bool has_synced = false;
  // Stream subscriptions: stored ones, reconciled with the checkpoint's streams once one arrived.
  std::vector<SyncStreamStatus> streams;
};

struct SessionOptions {
  std::string client_id;
  std::string parameters_json = "{}";   // connection parameters (a JSON object)
  std::string app_metadata_json = "{}";
  bool include_default_streams = true;
};

// What the driver must do after an event.
struct Instructions {
  bool close_stream = false;            // end this iteration; reconnect afterwards
  bool fetch_credentials = false;       // refresh the token (prefetch unless `credentials_expired`)
  bool credentials_expired = false;
  bool checkpoint_applied = false;      // a full checkpoint became visible
  std::optional<int> partial_applied;   // a priority became visible
  std::vector<std::string> warnings;    // for the log (never contains tokens)
};

class DownloadSession {
 public:
  explicit DownloadSession(SessionOptions options);

  // The JSON body of POST /sync/stream for the buckets held locally.
  std::string start(Connection& writer);
  // The stream answered 200: the client is connected.
  void connection_established();
  // One parsed line and its size on the wire.
  Instructions handle_line(Connection& writer, const protocol::SyncLine& line, std::size_t size);
  // An upload finished: a checkpoint held back by local writes may apply now.
  Instructions upload_completed(Connection& writer);
  void stream_ended();
  // The keys of the app's live stream subscription handles: their expiry moves forward at
  // each start and keepalive. Returns true when, during an iteration, this changes the
  // requested subscriptions, so the stream must be reopened (the official
  // `update_subscriptions` event).
  bool update_subscriptions(Connection& writer, std::vector<StreamKey> active);

  const DownloadState& state() const noexcept { return state_; }

 private:
  Instructions on_checkpoint(Connection& db, TargetCheckpoint target, const std::vector<std::string>& to_delete);
  Instructions on_complete(Connection& db, std::optional<int> priority);
  void load_progress();
  void load_sync_state(Connection& db);
  static void persist_applied_request(Connection& db, const TargetCheckpoint& checkpoint);
  // Sync Streams (download_session_streams.cpp).
  void resolve_streams(Connection& db, const TargetCheckpoint& target, Instructions& out);
  void mark_streams_synced(Connection& db, std::optional<int> priority, std::int64_t at_us);
  void load_stream_progress();
  bool subscriptions_changed(Connection& db);

  SessionOptions options_;
  std::vector<std::string> local_buckets_;   // held when the iteration started
  std::optional<TargetCheckpoint> target_;
  std::optional<TargetCheckpoint> held_back_;  // validated, waiting for uploads
  // Per bucket: ops counted towards the current checkpoint's progress.
  struct BucketProgress {
    int priority = protocol::kLowestPriority;
    std::int64_t since_last = 0;
    std::int64_t expected = 0;
  };
  std::map<std::string, BucketProgress> bucket_progress_;
  DownloadState state_;

  bool iterating_ = false;                 // between start() and stream_ended()
  std::vector<StreamKey> active_streams_;  // live subscription handles
  RequestedSubscriptions requested_;       // sent with this iteration's request
  std::vector<protocol::StreamDescription> checkpoint_streams_;  // of the tracked checkpoint
  // Parallel to state_.streams: the local row and the buckets in the checkpoint for it.
  struct TrackedStream {
    std::int64_t id = 0;
    std::vector<std::string> buckets;
  };
  std::vector<TrackedStream> tracked_streams_;
};

}  // namespace powersync::sync
