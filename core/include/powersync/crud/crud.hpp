#pragma once
// The upload queue: ps_crud entries written by the view triggers, read in batches or by
// transaction, and removed only in the transaction that completes their upload.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync {

enum class CrudOp { put = 1, patch = 2, remove = 3 };  // values match POWERSYNC_CRUD_*

struct CrudEntry {
  std::int64_t client_id = 0;            // ps_crud.id
  std::optional<std::int64_t> tx_id;     // ps_crud.tx_id
  CrudOp op = CrudOp::put;
  std::string table;                     // "type"
  std::string id;
  std::optional<std::string> data_json;  // JSON object
  std::optional<std::string> old_json;   // JSON object
  std::optional<std::string> metadata;
  std::string entry_json;                // ps_crud.data as stored
};

struct CrudBatch {
  std::vector<CrudEntry> entries;
  bool has_more = false;
  std::int64_t last_client_id() const noexcept { return entries.empty() ? 0 : entries.back().client_id; }
};

struct UploadQueueStats {
  std::int64_t count = 0;
  std::int64_t size_bytes = 0;
};

// Parses one ps_crud row. Throws Error(internal) for a row that is not a CRUD entry.
CrudEntry parse_crud_entry(std::int64_t client_id, std::optional<std::int64_t> tx_id, std::string_view data);

// Reads up to `limit` oldest entries. `has_more` tells whether more are queued.
CrudBatch read_crud_batch(Connection& connection, int limit);
// Reads all entries of the oldest transaction; nullopt when the queue is empty.
std::optional<CrudBatch> read_next_crud_transaction(Connection& connection);
UploadQueueStats read_upload_queue_stats(Connection& connection);

// In one write transaction: deletes entries with id <= last_client_id, and records the
// write checkpoint as the target the downloader must reach before applying data
// (only when the queue is then empty, as the official SDKs do).
void complete_crud(Connection& writer, std::int64_t last_client_id,
                   const std::optional<std::string>& write_checkpoint);

}  // namespace powersync
