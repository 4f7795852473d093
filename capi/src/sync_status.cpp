// powersync_sync_status_t: immutable snapshots of the sync state and their accessors.

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

// ps_sync_state records a full sync as this priority; the C API reports it as has_synced.
constexpr int kFullSyncPriority = 2147483647;

int64_t to_ms(const std::optional<std::int64_t>& us) { return us ? *us / 1000 : -1; }

nlohmann::json ms_or_null(const std::optional<std::int64_t>& us) {
  return us ? nlohmann::json(*us / 1000) : nlohmann::json(nullptr);
}

nlohmann::json string_or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

// Progress is cumulative over priorities: priority p counts the buckets of p and above,
// so the entry with the largest priority number <= p answers; the last one is everything.
const sync::ProgressCounts* progress_for(const sync::SyncStatus& status, std::optional<int> priority) {
  if (status.download_progress.empty()) return nullptr;
  if (!priority) return &status.download_progress.rbegin()->second;
  auto it = status.download_progress.upper_bound(*priority);
  if (it == status.download_progress.begin()) return nullptr;
  return &std::prev(it)->second;
}

std::vector<const sync::PriorityStatus*> priority_entries(const sync::SyncStatus& status) {
  std::vector<const sync::PriorityStatus*> entries;
  for (const auto& entry : status.priorities)
    if (entry.priority != kFullSyncPriority) entries.push_back(&entry);
  return entries;
}

nlohmann::json stream_json(const sync::SyncStreamStatus& stream) {
  nlohmann::json progress = nullptr;
  if (stream.progress) progress = {{"downloaded", stream.progress->downloaded}, {"total", stream.progress->total}};
  return {{"name", stream.name},
          {"parameters", stream.parameters_json ? nlohmann::json::parse(*stream.parameters_json) : nlohmann::json(nullptr)},
          {"active", stream.active},
          {"is_default", stream.is_default},
          {"has_explicit_subscription", stream.has_explicit_subscription},
          {"expires_at", ms_or_null(stream.expires_at_us)},
          {"last_synced_at", ms_or_null(stream.last_synced_at_us)},
          {"has_synced", stream.has_synced()},
          {"priority", stream.priority ? nlohmann::json(*stream.priority) : nlohmann::json(nullptr)},
          {"progress", progress}};
}

std::string to_json(const sync::SyncStatus& status) {
  nlohmann::json progress = nullptr;
  if (const auto* all = progress_for(status, std::nullopt)) {
    nlohmann::json per_priority = nlohmann::json::array();
    for (const auto& [priority, counts] : status.download_progress)
      per_priority.push_back({{"priority", priority}, {"downloaded", counts.downloaded}, {"total", counts.total}});
    progress = {{"downloaded", all->downloaded}, {"total", all->total}, {"priorities", per_priority}};
  }
  nlohmann::json priorities = nlohmann::json::array();
  for (const auto* entry : priority_entries(status)) {
    priorities.push_back({{"priority", entry->priority},
                          {"has_synced", entry->has_synced},
                          {"last_synced_at", ms_or_null(entry->last_synced_at_us)}});
  }
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& stream : status.streams) streams.push_back(stream_json(stream));
  return nlohmann::json{{"connected", status.connected},
                        {"connecting", status.connecting},
                        {"downloading", status.downloading},
                        {"uploading", status.uploading},
                        {"has_synced", status.has_synced},
                        {"last_synced_at", ms_or_null(status.last_synced_at_us)},
                        {"download_error", string_or_null(status.download_error)},
                        {"upload_error", string_or_null(status.upload_error)},
                        {"download_progress", progress},
                        {"priorities", priorities},
                        {"streams", streams}}
      .dump();
}

// The stream entry `index`, or nullptr when out of range.
const sync::SyncStreamStatus* stream_at(const powersync_sync_status_t* status, size_t index) {
  if (status == nullptr || index >= status->status.streams.size()) return nullptr;
  return &status->status.streams[index];
}

}  // namespace

namespace powersync::capi {

std::unique_ptr<powersync_sync_status_t> make_sync_status(const sync::SyncStatus& status) {
  auto snapshot = std::make_unique<powersync_sync_status_t>();
  snapshot->status = status;
  snapshot->json = to_json(status);
  return snapshot;
}

}  // namespace powersync::capi

extern "C" {

powersync_status powersync_db_get_sync_status(powersync_db_t* db, powersync_sync_status_t** out_status) {
  return guarded([&] {
    require(out_status, "out_status");
    *out_status = nullptr;
    require(db, "db");
    *out_status = make_sync_status(db->core->live()->sync_status()).release();
  });
}

powersync_status powersync_sync_status_copy(const powersync_sync_status_t* status,
                                            powersync_sync_status_t** out_status) {
  return guarded([&] {
    require(out_status, "out_status");
    *out_status = nullptr;
    require(status, "status");
    *out_status = new powersync_sync_status_t(*status);
  });
}

bool powersync_sync_status_connected(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.connected;
}

bool powersync_sync_status_connecting(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.connecting;
}

bool powersync_sync_status_downloading(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.downloading;
}

bool powersync_sync_status_uploading(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.uploading;
}

bool powersync_sync_status_has_synced(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.has_synced;
}

int64_t powersync_sync_status_last_synced_at_ms(const powersync_sync_status_t* status) {
  return status != nullptr ? to_ms(status->status.last_synced_at_us) : -1;
}

const char* powersync_sync_status_download_error(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.download_error ? status->status.download_error->c_str() : nullptr;
}

const char* powersync_sync_status_upload_error(const powersync_sync_status_t* status) {
  return status != nullptr && status->status.upload_error ? status->status.upload_error->c_str() : nullptr;
}

bool powersync_sync_status_download_progress(const powersync_sync_status_t* status, int32_t priority,
                                             int64_t* out_downloaded, int64_t* out_total) {
  if (out_downloaded != nullptr) *out_downloaded = 0;
  if (out_total != nullptr) *out_total = 0;
  if (status == nullptr) return false;
  const auto* counts =
      progress_for(status->status, priority == POWERSYNC_PRIORITY_FULL ? std::nullopt : std::optional<int>(priority));
  if (counts == nullptr) return false;
  if (out_downloaded != nullptr) *out_downloaded = counts->downloaded;
  if (out_total != nullptr) *out_total = counts->total;
  return true;
}

size_t powersync_sync_status_priority_count(const powersync_sync_status_t* status) {
  return status != nullptr ? priority_entries(status->status).size() : 0;
}

powersync_status powersync_sync_status_priority_at(const powersync_sync_status_t* status, size_t index,
                                                   int32_t* out_priority, bool* out_has_synced,
                                                   int64_t* out_last_synced_at_ms) {
  return guarded([&] {
    require(status, "status");
    const auto entries = priority_entries(status->status);
    if (index >= entries.size()) {
      throw_invalid_argument("priority index " + std::to_string(index) + " is out of range (" +
                             std::to_string(entries.size()) + " entries)");
    }
    if (out_priority != nullptr) *out_priority = entries[index]->priority;
    if (out_has_synced != nullptr) *out_has_synced = entries[index]->has_synced;
    if (out_last_synced_at_ms != nullptr) *out_last_synced_at_ms = to_ms(entries[index]->last_synced_at_us);
  });
}

const char* powersync_sync_status_get_json(const powersync_sync_status_t* status) {
  return status != nullptr ? status->json.c_str() : nullptr;
}

size_t powersync_sync_status_stream_count(const powersync_sync_status_t* status) {
  return status != nullptr ? status->status.streams.size() : 0;
}

powersync_status powersync_sync_status_find_stream(const powersync_sync_status_t* status, const char* name,
                                                   const char* params_json, bool* out_found, size_t* out_index) {
  return guarded([&] {
    require(out_found, "out_found");
    *out_found = false;
    require(status, "status");
    require(name, "name");
    const auto wanted = sync::StreamKey::make(name, optional_params(params_json));
    const auto& streams = status->status.streams;
    for (size_t i = 0; i < streams.size(); ++i) {
      if (streams[i].name == wanted.name && streams[i].parameters_json == wanted.parameters_json) {
        *out_found = true;
        if (out_index != nullptr) *out_index = i;
        return;
      }
    }
  });
}

const char* powersync_sync_status_stream_name(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr ? stream->name.c_str() : nullptr;
}

const char* powersync_sync_status_stream_params_json(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr && stream->parameters_json ? stream->parameters_json->c_str() : nullptr;
}

bool powersync_sync_status_stream_active(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr && stream->active;
}

bool powersync_sync_status_stream_is_default(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr && stream->is_default;
}

bool powersync_sync_status_stream_has_explicit_subscription(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr && stream->has_explicit_subscription;
}

int64_t powersync_sync_status_stream_expires_at_ms(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr ? to_ms(stream->expires_at_us) : -1;
}

int64_t powersync_sync_status_stream_last_synced_at_ms(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr ? to_ms(stream->last_synced_at_us) : -1;
}

int32_t powersync_sync_status_stream_priority(const powersync_sync_status_t* status, size_t index) {
  const auto* stream = stream_at(status, index);
  return stream != nullptr && stream->priority ? *stream->priority : -1;
}

bool powersync_sync_status_stream_progress(const powersync_sync_status_t* status, size_t index,
                                           int64_t* out_downloaded, int64_t* out_total) {
  if (out_downloaded != nullptr) *out_downloaded = 0;
  if (out_total != nullptr) *out_total = 0;
  const auto* stream = stream_at(status, index);
  if (stream == nullptr || !stream->progress) return false;
  if (out_downloaded != nullptr) *out_downloaded = stream->progress->downloaded;
  if (out_total != nullptr) *out_total = stream->progress->total;
  return true;
}

void powersync_sync_status_free(powersync_sync_status_t** status) {
  if (status == nullptr) return;
  delete *status;
  *status = nullptr;
}

}  // extern "C"
