#pragma once
// The devserver's own storage (a SQLite file): the per-bucket oplog, bucket checksums, which
// buckets each backend row is currently in, write checkpoints, and replication progress.
// One writer (the replicator, plus write-checkpoint requests); readers use their own instance.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync::devserver {

struct OplogEntry {
  std::int64_t op_id = 0;
  std::string op;  // PUT or REMOVE
  std::string object_type;
  std::string object_id;
  std::string subkey;
  std::optional<std::string> data;
  std::uint32_t checksum = 0;
};

struct BucketState {
  std::uint32_t checksum = 0;
  std::int64_t count = 0;
  std::int64_t last_op_id = 0;
};

// Where a row currently is: one entry per bucket it belongs to.
struct RowPlacement {
  std::string bucket;
  std::string object_type;
  std::string object_id;
  std::uint32_t data_checksum = 0;
};

struct WriteCheckpoint {
  std::int64_t checkpoint = 0;
  std::int64_t change_seq = 0;  // visible once replication has processed this change-log position
};

class BucketStorage {
 public:
  explicit BucketStorage(const std::filesystem::path& path);

  Connection& connection() { return connection_; }

  // Replication progress and versioning, all in the meta table.
  std::int64_t head_op_id();
  std::int64_t processed_change_seq();
  int sync_version();
  std::string fingerprint();
  void set_processed_change_seq(std::int64_t seq);
  // Drops all buckets and rows and bumps the sync version (for a changed sync config).
  void reset_for_fingerprint(const std::string& fingerprint);

  // Appends one op with the next op id and updates the bucket's checksum and count.
  std::int64_t append_op(const std::string& bucket, const OplogEntry& entry);

  std::vector<RowPlacement> placements(const std::string& table, const std::string& row_key);
  void set_placements(const std::string& table, const std::string& row_key, const std::vector<RowPlacement>& rows);

  std::optional<BucketState> bucket_state(const std::string& bucket);
  // Ops of `bucket` with after < op_id <= up_to, oldest first, at most `limit`.
  std::vector<OplogEntry> ops(const std::string& bucket, std::int64_t after, std::int64_t up_to, int limit);

  std::optional<WriteCheckpoint> write_checkpoint(const std::string& user_id, const std::string& client_id);
  std::int64_t create_write_checkpoint(const std::string& user_id, const std::string& client_id,
                                       std::int64_t change_seq);

 private:
  std::int64_t meta_int(const char* key, std::int64_t fallback);
  void set_meta(const char* key, const std::string& value);
  Connection connection_;
};

}  // namespace powersync::devserver
