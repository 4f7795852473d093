#pragma once
// The devserver's own storage (a SQLite file): the per-bucket oplog, bucket checksums, which
// buckets each backend row is currently in, write checkpoints, and replication progress.
// One writer (the replicator, plus write-checkpoint requests); readers use their own instance.
// The compactor writes too, in short immediate transactions of its own (ops keep their op id
// and checksum, so bucket checksums never change under a reader).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync::devserver {

struct OplogEntry {
  std::int64_t op_id = 0;
  std::string op;  // PUT or REMOVE; MOVE or CLEAR after compaction (no row fields, no data)
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
  // Records the row's placements after its ops were appended. A bucket the row was in before
  // whose placement changed (new data) or went away got a superseding PUT or REMOVE: those are
  // counted per bucket, for the automatic compaction's threshold.
  void set_placements(const std::string& table, const std::string& row_key, const std::vector<RowPlacement>& rows);

  std::optional<BucketState> bucket_state(const std::string& bucket);
  // Ops of `bucket` with after < op_id <= up_to, oldest first, at most `limit`.
  std::vector<OplogEntry> ops(const std::string& bucket, std::int64_t after, std::int64_t up_to, int limit);

  // Compaction support (compactor.hpp).
  std::vector<std::string> bucket_names();
  // Buckets with at least `min_superseded` superseded ops since their last compaction, and at
  // least a tenth of their ops (so a huge bucket is not rescanned for a few updates).
  std::vector<std::string> buckets_to_compact(std::int64_t min_superseded);
  void reset_superseded(const std::string& bucket);
  // Ops of `bucket` with op_id < before, newest first, at most `limit`.
  std::vector<OplogEntry> ops_before(const std::string& bucket, std::int64_t before, int limit);
  // Turns one op into a MOVE: same op id and checksum, no row fields and no data.
  void convert_to_move(std::int64_t op_id);
  // Replaces every op of `bucket` up to and including `through` by one CLEAR op with id `through`
  // and their wrapping checksum sum, lowering the bucket's count. They must all be MOVE, REMOVE or
  // CLEAR (throws otherwise). Returns how many ops were replaced; 0 when there was nothing but a CLEAR.
  std::int64_t clear_through(const std::string& bucket, std::int64_t through);

  std::optional<WriteCheckpoint> write_checkpoint(const std::string& user_id, const std::string& client_id);
  std::int64_t create_write_checkpoint(const std::string& user_id, const std::string& client_id,
                                       std::int64_t change_seq);

 private:
  std::int64_t meta_int(const char* key, std::int64_t fallback);
  void set_meta(const char* key, const std::string& value);
  Connection connection_;
};

}  // namespace powersync::devserver
