#pragma once
// The sync worker of one connected database: a download thread that keeps a sync stream
// open (reconnecting after failures) and an upload thread that hands queued writes to the
// connector. Both wait on host completions without blocking host threads, and both stop
// promptly when the worker stops.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "powersync/storage/connection_pool.hpp"
#include "powersync/sync/connector.hpp"
#include "powersync/sync/download_session.hpp"
#include "powersync/sync/sync_status.hpp"
#include "powersync/transport/http_client.hpp"

namespace powersync::sync {

struct SyncOptions {
  std::string parameters_json = "{}";  // connection parameters (JSON object)
  std::string app_metadata_json = "{}";
  bool include_default_streams = true;  // explicit subscriptions come from Database::sync_stream
  std::chrono::milliseconds retry_delay{5000};           // after a failed stream or upload
  std::chrono::milliseconds crud_upload_throttle{1000};  // between upload runs after local writes
  // Sync streams are dropped when no byte arrives for this long (keepalives come every ~20 s).
  std::chrono::milliseconds stream_idle_timeout{60000};
  // Names the language package in the user agent, e.g. "powersync-python/0.1.0".
  std::string user_agent_binding;
};

// Create with std::make_shared: its threads keep it alive, so the last owner may even let
// go of it from inside a connector call on one of those threads.
class SyncWorker : public std::enable_shared_from_this<SyncWorker> {
 public:
  // Called on a worker thread with each new snapshot and its sequence number (increasing
  // per worker, from 1); snapshots from the two threads may arrive out of order.
  using StatusListener = std::function<void(const SyncStatus&, std::uint64_t sequence)>;
  // Called on a worker thread after a sync transaction committed, with the writer still
  // leased, so the owner can publish table changes to watchers.
  using CommitListener = std::function<void(Connection& writer)>;

  SyncWorker(std::shared_ptr<ConnectionPool> pool, std::string client_id, std::shared_ptr<Connector> connector,
             std::shared_ptr<transport::HttpClient> http, SyncOptions options, StatusListener on_status,
             CommitListener on_commit);
  ~SyncWorker();  // stop()
  SyncWorker(const SyncWorker&) = delete;
  SyncWorker& operator=(const SyncWorker&) = delete;

  void start();
  // Idempotent. Cancels the stream and any wait for the host, then joins both threads
  // (except the calling thread, when called from one of them: it ends on its own).
  void stop();
  // Local writes were queued: upload them (no sooner than the throttle allows).
  void trigger_upload();
  // The keys of the app's live stream subscription handles; when this changes the requested
  // subscriptions of the open stream, the stream is reopened at once.
  void update_subscriptions(std::vector<StreamKey> active);
  SyncStatus status() const;

 private:
  void download_loop(std::stop_token stop);
  void run_stream(std::stop_token stop);
  void upload_loop(std::stop_token stop);
  void upload_all(std::stop_token stop);
  void refresh_write_target(std::stop_token stop);
  void after_upload();
  Credentials credentials(std::stop_token stop);
  void invalidate_credentials();
  bool sleep_for(std::stop_token stop, std::chrono::milliseconds delay);
  template <typename F>
  void update_status(F&& change);
  void publish_download_state();

  std::shared_ptr<ConnectionPool> pool_;
  std::string client_id_;
  std::shared_ptr<Connector> connector_;
  std::shared_ptr<transport::HttpClient> http_;
  SyncOptions options_;
  StatusListener on_status_;
  CommitListener on_commit_;

  std::mutex session_mutex_;  // the download session is used by both threads
  DownloadSession session_;

  mutable std::mutex mutex_;  // status, credentials, upload trigger
  SyncStatus status_;
  std::uint64_t status_sequence_ = 0;
  std::optional<Credentials> credentials_;
  bool upload_requested_ = true;  // upload once right after connecting
  std::condition_variable_any upload_wake_;
  std::condition_variable_any sleep_wake_;
  transport::Cancellation* stream_cancel_ = nullptr;  // of the open stream, for a restart
  bool restart_requested_ = false;
  std::jthread download_thread_;
  std::jthread upload_thread_;
  bool started_ = false;
};

}  // namespace powersync::sync
