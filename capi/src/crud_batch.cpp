// powersync_crud_batch_t: entries of the upload queue and their completion.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

const CrudEntry* entry_at(const powersync_crud_batch_t* batch, size_t index) noexcept {
  if (batch == nullptr || index >= batch->batch.entries.size()) return nullptr;
  return &batch->batch.entries[index];
}

const char* optional_text(const std::optional<std::string>& value) noexcept {
  return value ? value->c_str() : nullptr;
}

void emit_batch(const std::shared_ptr<DbCore>& core, CrudBatch&& batch, powersync_crud_batch_t** out) {
  if (batch.entries.empty()) return;  // an empty queue gives NULL
  auto handle = std::make_unique<powersync_crud_batch_t>();
  handle->batch = std::move(batch);
  handle->core = core;
  *out = handle.release();
}

}  // namespace

extern "C" {

powersync_status powersync_db_get_crud_batch(powersync_db_t* db, int32_t limit, powersync_crud_batch_t** out_batch) {
  return guarded([&] {
    require(out_batch, "out_batch");
    *out_batch = nullptr;
    require(db, "db");
    if (limit < 1) throw_invalid_argument("limit must be at least 1, got " + std::to_string(limit));
    emit_batch(db->core, db->core->live()->get_crud_batch(limit), out_batch);
  });
}

powersync_status powersync_db_get_next_crud_transaction(powersync_db_t* db, powersync_crud_batch_t** out_batch) {
  return guarded([&] {
    require(out_batch, "out_batch");
    *out_batch = nullptr;
    require(db, "db");
    if (auto batch = db->core->live()->get_next_crud_transaction()) emit_batch(db->core, std::move(*batch), out_batch);
  });
}

size_t powersync_crud_batch_count(const powersync_crud_batch_t* batch) {
  return batch != nullptr ? batch->batch.entries.size() : 0;
}

bool powersync_crud_batch_has_more(const powersync_crud_batch_t* batch) {
  return batch != nullptr && batch->batch.has_more;
}

int64_t powersync_crud_batch_get_client_id(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? entry->client_id : 0;
}

int64_t powersync_crud_batch_get_tx_id(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr && entry->tx_id ? *entry->tx_id : -1;
}

int32_t powersync_crud_batch_get_op(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? static_cast<int32_t>(entry->op) : 0;
}

const char* powersync_crud_batch_get_table(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? entry->table.c_str() : nullptr;
}

const char* powersync_crud_batch_get_id(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? entry->id.c_str() : nullptr;
}

const char* powersync_crud_batch_get_data_json(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? optional_text(entry->data_json) : nullptr;
}

const char* powersync_crud_batch_get_old_json(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? optional_text(entry->old_json) : nullptr;
}

const char* powersync_crud_batch_get_metadata(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? optional_text(entry->metadata) : nullptr;
}

const char* powersync_crud_batch_get_entry_json(const powersync_crud_batch_t* batch, size_t index) {
  const CrudEntry* entry = entry_at(batch, index);
  return entry != nullptr ? entry->entry_json.c_str() : nullptr;
}

powersync_status powersync_crud_batch_complete(powersync_crud_batch_t* batch, const char* write_checkpoint) {
  return guarded([&] {
    require(batch, "batch");
    std::optional<std::string> checkpoint;
    if (write_checkpoint != nullptr) checkpoint = write_checkpoint;
    batch->core->live()->complete_crud(batch->batch.last_client_id(), checkpoint);
  });
}

void powersync_crud_batch_free(powersync_crud_batch_t** batch) {
  if (batch == nullptr) return;
  delete *batch;
  *batch = nullptr;
}

powersync_status powersync_db_get_upload_queue_stats(powersync_db_t* db, int64_t* out_count, int64_t* out_size_bytes) {
  return guarded([&] {
    if (out_count != nullptr) *out_count = 0;
    if (out_size_bytes != nullptr) *out_size_bytes = 0;
    require(db, "db");
    const UploadQueueStats stats = db->core->live()->upload_queue_stats();
    if (out_count != nullptr) *out_count = stats.count;
    if (out_size_bytes != nullptr) *out_size_bytes = stats.size_bytes;
  });
}

}  // extern "C"
