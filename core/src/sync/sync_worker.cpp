#include "powersync/sync/sync_worker.hpp"

#include <nlohmann/json.hpp>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/transport/line_framer.hpp"
#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"
#include "powersync/sync/sync_worker_batch.hpp"

namespace powersync::sync {
namespace {

// Thrown from inside the body callback to end a stream the session asked to close.
struct EndIteration {};

constexpr std::size_t kMaxErrorBody = 4096;
// A token expiring this soon is refreshed before it is used for a new connection.
constexpr auto kCredentialsRefreshMargin = std::chrono::seconds(30);

std::string join_url(const std::string& endpoint, std::string_view path) {
  std::string url = endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(path);
}

transport::HttpHeaders auth_headers(const Credentials& credentials) {
  return {{"Authorization", "Token " + credentials.token}};
}

// The service's error description from a JSON error body, else the body itself (shortened).
std::string describe_error_body(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& error = json["error"];
    std::string out = error.value("code", std::string());
    const std::string description = error.value("description", std::string());
    if (!description.empty()) out += (out.empty() ? "" : " ") + description;
    if (!out.empty()) return out;
  }
  return body.substr(0, 300);
}

}  // namespace

SyncWorker::SyncWorker(std::shared_ptr<ConnectionPool> pool, std::string client_id,
                       std::shared_ptr<Connector> connector, std::shared_ptr<transport::HttpClient> http,
                       SyncOptions options, StatusListener on_status, CommitListener on_commit)
    : pool_(std::move(pool)),
      client_id_(std::move(client_id)),
      connector_(std::move(connector)),
      http_(std::move(http)),
      options_(std::move(options)),
      on_status_(std::move(on_status)),
      on_commit_(std::move(on_commit)),
      session_(SessionOptions{client_id_, options_.parameters_json, options_.app_metadata_json,
                              options_.include_default_streams}) {}

namespace {

// Joins `thread`, or detaches it when called on that very thread (which then ends by itself).
void finish(std::jthread& thread) {
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();
  } else {
    thread.join();
  }
}

}  // namespace

SyncWorker::~SyncWorker() {
  download_thread_.request_stop();
  upload_thread_.request_stop();
  finish(download_thread_);
  finish(upload_thread_);
}

void SyncWorker::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  // The status starts from what is stored: has_synced survives restarts.
  {
    std::lock_guard session_lock(session_mutex_);
    auto lease = pool_->writer();
    session_.start(*lease);
  }
  publish_download_state();
  auto self = shared_from_this();
  download_thread_ = std::jthread([self](std::stop_token stop) { self->download_loop(stop); });
  upload_thread_ = std::jthread([self](std::stop_token stop) { self->upload_loop(stop); });
}

void SyncWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
  }
  download_thread_.request_stop();
  upload_thread_.request_stop();
  finish(download_thread_);
  finish(upload_thread_);
  {
    std::lock_guard lock(mutex_);
    started_ = false;
  }
  update_status([](SyncStatus& s) {
    s.connected = false;
    s.connecting = false;
    s.downloading = false;
    s.uploading = false;
    s.download_progress.clear();
    for (auto& stream : s.streams) stream.progress.reset();
  });
}

void SyncWorker::trigger_upload() {
  {
    std::lock_guard lock(mutex_);
    upload_requested_ = true;
  }
  upload_wake_.notify_all();
}

void SyncWorker::update_subscriptions(std::vector<StreamKey> active) {
  bool restart = false;
  {
    std::lock_guard session_lock(session_mutex_);
    auto lease = pool_->writer();
    restart = session_.update_subscriptions(*lease, std::move(active));
  }
  if (!restart) return;
  std::lock_guard lock(mutex_);
  restart_requested_ = true;
  if (stream_cancel_) stream_cancel_->cancel();
}

SyncStatus SyncWorker::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

template <typename F>
void SyncWorker::update_status(F&& change) {
  // The listener runs without any worker lock held (it may even end up destroying the
  // worker's owner); the sequence number lets it drop a snapshot overtaken by a newer one.
  static_assert(std::is_invocable_v<F, SyncStatus&>);
  SyncStatus snapshot;
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    SyncStatus next = status_;
    change(next);
    if (next == status_) return;
    status_ = next;
    snapshot = std::move(next);
    sequence = ++status_sequence_;
  }
  if (on_status_) on_status_(snapshot, sequence);
}

void SyncWorker::publish_download_state() {
  DownloadState state;
  {
    std::lock_guard session_lock(session_mutex_);
    state = session_.state();
  }
  update_status([&](SyncStatus& s) {
    s.downloading = state.downloading;
    s.download_progress = state.downloading ? state.progress : std::map<int, ProgressCounts>{};
    s.priorities = state.priorities;
    s.has_synced = state.has_synced;
    s.last_synced_at_us = state.last_synced_at_us;
    s.streams = state.streams;
  });
}

bool SyncWorker::sleep_for(std::stop_token stop, std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  sleep_wake_.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

Credentials SyncWorker::credentials(std::stop_token stop) {
  {
    std::lock_guard lock(mutex_);
    if (credentials_ && (!credentials_->expires_at ||
                         *credentials_->expires_at > std::chrono::system_clock::now() + kCredentialsRefreshMargin)) {
      return *credentials_;
    }
  }
  auto done = std::make_shared<Completion<std::optional<Credentials>>>();
  try {
    connector_->fetch_credentials(done);
  } catch (const std::exception& e) {
    done->fail(e.what());
  }
  auto outcome = done->wait(stop);
  if (!outcome) throw Error(ErrorCode::cancelled, "Disconnected while fetching credentials");
  if (outcome->index() == 1) {
    throw Error(ErrorCode::callback_failed, "fetch_credentials failed: " + std::get<1>(*outcome));
  }
  auto& credentials = std::get<0>(*outcome);
  if (!credentials) throw Error(ErrorCode::auth, "Not signed in: fetch_credentials returned no credentials");
  if (credentials->endpoint.empty()) throw Error(ErrorCode::auth, "fetch_credentials returned an empty endpoint");
  std::lock_guard lock(mutex_);
  credentials_ = *credentials;
  return *credentials_;
}

void SyncWorker::invalidate_credentials() {
  std::lock_guard lock(mutex_);
  credentials_.reset();
}

// ---------------------------------------------------------------------------------------
// Download

void SyncWorker::download_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    update_status([](SyncStatus& s) { s.connecting = true; });
    bool failed = false;
    try {
      run_stream(stop);
    } catch (const Error& e) {
      if (stop.stop_requested()) break;
      failed = true;
      log::warn(std::string("Sync stream failed: ") + e.what());
      update_status([&](SyncStatus& s) { s.download_error = e.what(); });
    } catch (const std::exception& e) {
      if (stop.stop_requested()) break;
      failed = true;
      log::warn(std::string("Sync stream failed: ") + e.what());
      update_status([&](SyncStatus& s) { s.download_error = e.what(); });
    }
    {
      std::lock_guard session_lock(session_mutex_);
      session_.stream_ended();
    }
    publish_download_state();
    update_status([](SyncStatus& s) { s.connected = false; });
    if (failed && !sleep_for(stop, options_.retry_delay)) break;
  }
}

void SyncWorker::run_stream(std::stop_token stop) {
  const Credentials creds = credentials(stop);
  std::string body;
  {
    std::lock_guard lock(mutex_);
    restart_requested_ = false;  // the request made now has the current subscriptions
  }
  {
    std::lock_guard session_lock(session_mutex_);
    auto lease = pool_->writer();
    body = session_.start(*lease);
  }

  transport::HttpRequest request;
  request.method = "POST";
  request.url = join_url(creds.endpoint, "/sync/stream");
  request.headers = auth_headers(creds);
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", std::string(transport::kSyncStreamAccept));
  request.body = std::move(body);
  request.idle_timeout = options_.stream_idle_timeout;

  transport::Cancellation cancel;
  std::stop_callback cancel_on_stop(stop, [&cancel] { cancel.cancel(); });
  // A subscription change reopens the stream: it cancels this request, and the loop
  // reconnects at once without reporting an error.
  auto restart_requested = [this] {
    std::lock_guard lock(mutex_);
    return restart_requested_;
  };
  {
    std::lock_guard lock(mutex_);
    stream_cancel_ = &cancel;
    if (restart_requested_) cancel.cancel();
  }
  struct Unregister {
    SyncWorker* worker;
    ~Unregister() {
      std::lock_guard lock(worker->mutex_);
      worker->stream_cancel_ = nullptr;
    }
  } unregister{this};

  int status = 0;
  std::string error_body;
  transport::StreamFormat format = transport::StreamFormat::ndjson;
  std::unique_ptr<transport::LineFramer> framer;

  // Data lines share write transactions (see sync_worker_batch.hpp); committed when this returns.
  DataLineBatch batch(pool_, on_commit_);
  auto on_line = [&](std::string_view line) {
    const protocol::SyncLine parsed =
        format == transport::StreamFormat::bson
            ? protocol::parse_bson_line(reinterpret_cast<const std::uint8_t*>(line.data()), line.size())
            : protocol::parse_json_line(line);
    Instructions instructions;
    if (std::holds_alternative<protocol::DataLine>(parsed)) {
      std::lock_guard session_lock(session_mutex_);
      batch.add([&](Connection& writer) { instructions = session_.handle_line(writer, parsed, line.size()); });
    } else {
      batch.flush();  // everything stored before the line that may make it visible
      std::lock_guard session_lock(session_mutex_);
      auto lease = pool_->writer();
      instructions = session_.handle_line(*lease, parsed, line.size());
      if (on_commit_) on_commit_(*lease);
    }
    publish_download_state();
    for (const auto& warning : instructions.warnings) log::warn(warning);
    if (instructions.checkpoint_applied || instructions.partial_applied) {
      update_status([](SyncStatus& s) { s.download_error.reset(); });
    }
    // A refresh is due: the stream keeps its token, the next connection fetches a new one.
    if (instructions.fetch_credentials) invalidate_credentials();
    if (instructions.close_stream) throw EndIteration{};
  };

  transport::StreamCallbacks callbacks;
  callbacks.on_head = [&](const transport::HttpResponseHead& head) {
    status = head.status;
    if (!head.ok()) return;
    format = transport::stream_format_for_content_type(head.content_type());
    framer = transport::make_line_framer(format);
    {
      std::lock_guard session_lock(session_mutex_);
      session_.connection_established();
    }
    update_status([](SyncStatus& s) {
      s.connected = true;
      s.connecting = false;
    });
  };
  callbacks.on_body = [&](std::string_view chunk) {
    if (status < 200 || status >= 300) {
      if (error_body.size() < kMaxErrorBody) error_body.append(chunk.substr(0, kMaxErrorBody - error_body.size()));
      return;
    }
    framer->feed(chunk, on_line);
  };

  try {
    http_->stream(request, callbacks, cancel);
    if (framer) framer->end_of_stream();
  } catch (const EndIteration&) {
    return;
  } catch (const Error&) {
    if (!stop.stop_requested() && restart_requested()) return;
    throw;
  }
  if (status == 401) {
    invalidate_credentials();
    throw Error(ErrorCode::auth, "The sync service rejected the credentials (HTTP 401): " + describe_error_body(error_body));
  }
  if (status < 200 || status >= 300) {
    throw Error(ErrorCode::network,
                "The sync service answered HTTP " + std::to_string(status) + ": " + describe_error_body(error_body));
  }
}

// ---------------------------------------------------------------------------------------
// Upload

void SyncWorker::upload_loop(std::stop_token stop) {
  auto last_run = std::chrono::steady_clock::time_point{};
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      upload_wake_.wait(lock, stop, [&] { return upload_requested_; });
      if (stop.stop_requested()) return;
      upload_requested_ = false;
    }
    // Many writes in a row lead to one upload run per throttle period.
    const auto next_allowed = last_run + options_.crud_upload_throttle;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_allowed &&
        !sleep_for(stop, std::chrono::duration_cast<std::chrono::milliseconds>(next_allowed - now))) {
      return;
    }
    last_run = std::chrono::steady_clock::now();
    try {
      upload_all(stop);
    } catch (const Error& e) {
      if (stop.stop_requested()) return;
      log::warn(std::string("Upload failed: ") + e.what());
      update_status([&](SyncStatus& s) {
        s.uploading = false;
        s.upload_error = e.what();
      });
      // The retry timer: failed uploads are retried even if nothing else is written.
      if (!sleep_for(stop, options_.retry_delay)) return;
      trigger_upload();
    }
  }
}

void SyncWorker::upload_all(std::stop_token stop) {
  std::optional<std::int64_t> previous_first;
  for (;;) {
    std::optional<std::int64_t> first;
    {
      auto lease = pool_->reader();
      auto& oldest = lease->cached("SELECT id FROM ps_crud ORDER BY id LIMIT 1");
      if (oldest.step()) first = oldest.column_int64(0);
      oldest.reset();
    }
    if (!first) break;
    if (previous_first == first) {
      throw Error(ErrorCode::callback_failed,
                  "upload_data completed without completing the oldest queued write (ps_crud id " +
                      std::to_string(*first) + "); complete each batch with its complete() call");
    }
    previous_first = first;
    update_status([](SyncStatus& s) { s.uploading = true; });

    auto done = std::make_shared<Completion<Done>>();
    try {
      connector_->upload_data(done);
    } catch (const std::exception& e) {
      done->fail(e.what());
    }
    auto outcome = done->wait(stop);
    if (!outcome) throw Error(ErrorCode::cancelled, "Disconnected during upload");
    if (outcome->index() == 1) throw Error(ErrorCode::callback_failed, "upload_data failed: " + std::get<1>(*outcome));
  }
  refresh_write_target(stop);
  after_upload();
  update_status([](SyncStatus& s) {
    s.uploading = false;
    s.upload_error.reset();
  });
}

// After the queue drained with no write checkpoint from the backend, ask the sync service
// for one, so downloaded data applies once the service has seen our uploads (legacy
// write checkpoints, as @powersync/node 1.x does).
void SyncWorker::refresh_write_target(std::stop_token stop) {
  {
    auto lease = pool_->reader();
    auto& target = lease->cached(
        "SELECT 1 FROM ps_kv WHERE key = 'target_checkpoint_request_id' AND CAST(value AS INTEGER) = 9223372036854775807");
    const bool needs_checkpoint = target.step();
    target.reset();
    if (!needs_checkpoint) return;
  }
  const Credentials creds = credentials(stop);
  transport::HttpRequest request;
  request.url = join_url(creds.endpoint, "/write-checkpoint2.json?client_id=" + client_id_);
  request.headers = auth_headers(creds);
  transport::Cancellation cancel;
  std::stop_callback cancel_on_stop(stop, [&cancel] { cancel.cancel(); });
  const auto response = http_->fetch(request, cancel, 64 * 1024);
  if (response.status == 401) {
    invalidate_credentials();
    throw Error(ErrorCode::auth, "The sync service rejected the credentials (HTTP 401): " + describe_error_body(response.body));
  }
  if (!response.ok()) {
    throw Error(ErrorCode::network, "write-checkpoint2.json answered HTTP " + std::to_string(response.status) + ": " +
                                        describe_error_body(response.body));
  }
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  std::int64_t checkpoint = 0;
  try {
    const auto& value = json.at("data").at("write_checkpoint");
    checkpoint = value.is_string() ? std::stoll(value.get<std::string>()) : value.get<std::int64_t>();
  } catch (const std::exception&) {
    throw Error(ErrorCode::network, "write-checkpoint2.json returned no write_checkpoint: " + response.body.substr(0, 300));
  }
  auto lease = pool_->writer();
  TransactionGuard tx(*lease);
  // Only if nothing was queued meanwhile: new writes need a newer checkpoint.
  auto& queued = lease->cached("SELECT 1 FROM ps_crud LIMIT 1");
  const bool has_writes = queued.step();
  queued.reset();
  if (!has_writes) {
    auto& set = lease->cached(
        "INSERT INTO ps_kv(key, value) VALUES('target_checkpoint_request_id', ?1) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    set.bind_int64(1, checkpoint);
    set.run();
  }
  tx.commit();
  if (on_commit_) on_commit_(*lease);
}

void SyncWorker::after_upload() {
  {
    std::lock_guard session_lock(session_mutex_);
    auto lease = pool_->writer();
    session_.upload_completed(*lease);
    if (on_commit_) on_commit_(*lease);
  }
  publish_download_state();
}

}  // namespace powersync::sync
