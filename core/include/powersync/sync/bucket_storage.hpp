#pragma once
// The downloaded side of the local replica: ps_buckets and ps_oplog, checksum validation
// and applying a completed checkpoint to the ps_data tables ("sync_local"), with the
// semantics of the official core (crates/core/src/sync/{operations,storage_adapter,
// sync_local,checkpoint}.rs). The caller owns the transactions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/storage/connection.hpp"

namespace powersync::sync {

// A bucket the client holds and the op it holds it up to, for the sync request.
struct BucketRequest {
  std::string name;
  std::int64_t after = 0;
};

// The checkpoint being downloaded, with checkpoint_diff lines already merged in.
struct TargetCheckpoint {
  std::int64_t last_op_id = 0;
  std::optional<std::int64_t> write_checkpoint;
  std::map<std::string, protocol::BucketChecksum> buckets;

  void apply_diff(const protocol::CheckpointDiff& diff);
  static TargetCheckpoint from(const protocol::Checkpoint& checkpoint);
};

// Priority a bucket syncs at (3 when the service names none).
int effective_priority(const protocol::BucketChecksum& bucket) noexcept;
// Whether a partial checkpoint of `priority` covers the bucket (nullopt: the full one).
bool is_in_priority(const protocol::BucketChecksum& bucket, std::optional<int> priority) noexcept;

struct ChecksumMismatch {
  std::string bucket;
  protocol::Checksum expected;
  protocol::Checksum actual;  // add_checksum + op_checksum held locally
};

enum class ApplyOutcome {
  applied,                // the data is visible
  pending_local_changes,  // local writes (or an unacknowledged write checkpoint) hold it back
  checksum_failure,       // the mismatching buckets were deleted and must be downloaded again
};

struct ApplyResult {
  ApplyOutcome outcome = ApplyOutcome::applied;
  std::vector<ChecksumMismatch> failures;
  std::int64_t synced_at_us = 0;  // set when applied
};

class BucketStorage {
 public:
  explicit BucketStorage(Connection& writer) : db_(writer) {}

  std::vector<BucketRequest> bucket_requests();
  // Stores the ops of one data line; `line_size` counts into the bucket's downloaded size.
  void save_data_line(const protocol::DataLine& line, std::size_t line_size);
  // Removes the buckets and their ops; rows they held are re-evaluated at the next apply.
  void delete_buckets(const std::vector<std::string>& names);
  std::vector<ChecksumMismatch> validate(const TargetCheckpoint& checkpoint, std::optional<int> priority);
  // Validates, then makes the checkpoint (or its part up to `priority`) visible.
  ApplyResult sync_local(const TargetCheckpoint& checkpoint, std::optional<int> priority);

 private:
  bool can_apply(std::optional<int> priority);
  void apply_rows(std::optional<int> priority, const std::string& partial_buckets_json);
  void mark_completed(std::optional<int> priority, const std::string& partial_buckets_json,
                      std::int64_t now_us);
  std::int64_t now_us();

  Connection& db_;
};

// Bulk loading (bulk_load.cpp): a download of at least a few thousand ops into an empty
// oplog stores them without the row-keyed indexes, which are built again (and superseded
// ops dropped) before anything reads them. Each call belongs in the caller's transaction.
void begin_bulk_load(Connection& writer, std::int64_t expected_ops);
bool is_bulk_loading(Connection& writer);
void finish_bulk_load(Connection& writer);

// Removes every downloaded bucket, op and synced row, the upload queue and the sync state,
// in one transaction (disconnect_and_clear). Local-only tables too with `clear_local`.
void clear_replica(Connection& writer, bool clear_local);

}  // namespace powersync::sync
