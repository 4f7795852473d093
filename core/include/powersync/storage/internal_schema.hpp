#pragma once
// The internal ps_* tables, in the layout of the official PowerSync core (migration 14),
// so a database file is interchangeable with the official SDKs'.

#include <string>

#include "powersync/storage/connection.hpp"

namespace powersync {

// The ps_migration version our layout corresponds to.
inline constexpr int kInternalSchemaVersion = 14;

// Creates the internal tables if missing (in one transaction) and returns the client id.
// Throws if the file holds a newer layout than we understand.
std::string ensure_internal_schema(Connection& writer);

// The two ps_oplog indexes keyed by row, as the official core names them. A bulk load
// (sync/bulk_load.cpp) drops them while an empty oplog fills and builds them again after.
inline constexpr const char* kCreateOplogRowIndex = "CREATE INDEX ps_oplog_row ON ps_oplog (row_type, row_id)";
inline constexpr const char* kCreateOplogKeyIndex = "CREATE INDEX ps_oplog_key ON ps_oplog (bucket, key)";

// ps_kv keys shared with the official core.
inline constexpr const char* kClientIdKey = "client_id";
inline constexpr const char* kTargetCheckpointRequestKey = "target_checkpoint_request_id";
inline constexpr const char* kLastSeenCheckpointRequestKey = "last_seen_checkpoint_request_id";
inline constexpr const char* kLastAppliedCheckpointRequestKey = "last_applied_checkpoint_request_id";
inline constexpr const char* kMaxOpId = "9223372036854775807";

}  // namespace powersync
