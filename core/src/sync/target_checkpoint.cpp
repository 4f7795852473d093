#include "powersync/sync/bucket_storage.hpp"

namespace powersync::sync {

TargetCheckpoint TargetCheckpoint::from(const protocol::Checkpoint& checkpoint) {
  TargetCheckpoint out;
  out.last_op_id = checkpoint.last_op_id;
  out.write_checkpoint = checkpoint.write_checkpoint;
  for (const auto& bucket : checkpoint.buckets) out.buckets[bucket.bucket] = bucket;
  return out;
}

void TargetCheckpoint::apply_diff(const protocol::CheckpointDiff& diff) {
  last_op_id = diff.last_op_id;
  write_checkpoint = diff.write_checkpoint;
  for (const auto& name : diff.removed_buckets) buckets.erase(name);
  for (const auto& bucket : diff.updated_buckets) buckets[bucket.bucket] = bucket;
}

int effective_priority(const protocol::BucketChecksum& bucket) noexcept {
  return bucket.priority.value_or(protocol::kLowestPriority);
}

bool is_in_priority(const protocol::BucketChecksum& bucket, std::optional<int> priority) noexcept {
  // Priority 0 is the highest: a partial checkpoint of priority p covers buckets 0..p.
  return !priority || effective_priority(bucket) <= *priority;
}

}  // namespace powersync::sync
