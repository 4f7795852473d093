#include "compactor.hpp"

#include <limits>
#include <unordered_set>

namespace powersync::devserver {

CompactionStats& CompactionStats::operator+=(const CompactionStats& other) {
  buckets += other.buckets;
  moved += other.moved;
  clears += other.clears;
  replaced += other.replaced;
  return *this;
}

CompactionStats compact_bucket(BucketStorage& storage, const std::string& bucket, const CompactOptions& options) {
  CompactionStats stats;
  stats.buckets = 1;
  {
    // Ops superseded from here on count towards the next automatic compaction.
    TransactionGuard tx(storage.connection());
    storage.reset_superseded(bucket);
    tx.commit();
  }

  // Newest first: a row seen once already has a later op, so any earlier op of it is superseded.
  std::unordered_set<std::string> seen;
  std::size_t tracked_bytes = 0;
  // The leading run of non-PUT ops, found as the ops below the oldest PUT still standing.
  std::int64_t run_end = 0;             // highest op id of the run; 0 while there is none (op ids start at 1)
  std::int64_t run_ops = 0;             // its MOVE and REMOVE ops (an earlier CLEAR is not counted)
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  std::string key;
  while (true) {
    TransactionGuard tx(storage.connection());
    auto ops = storage.ops_before(bucket, before, options.batch_size);
    if (ops.empty()) break;
    for (const auto& op : ops) {
      bool standing_put = op.op == "PUT";
      if (op.op == "PUT" || op.op == "REMOVE") {
        key.assign(op.object_type).append("/").append(op.object_id).append("/").append(op.subkey);
        if (seen.contains(key)) {
          storage.convert_to_move(op.op_id);
          ++stats.moved;
          standing_put = false;
        } else if (tracked_bytes < options.memory_limit_bytes) {
          tracked_bytes += key.size() + 64;  // the string plus the set's node overhead, roughly
          seen.insert(key);
        }
      }
      if (standing_put) {
        run_end = 0;
        run_ops = 0;
      } else if (op.op != "CLEAR") {
        if (run_end == 0) run_end = op.op_id;
        ++run_ops;
      }
    }
    before = ops.back().op_id;
    tx.commit();
  }

  if (run_end != 0 && run_ops > 1) {
    TransactionGuard tx(storage.connection());
    auto replaced = storage.clear_through(bucket, run_end);
    tx.commit();
    if (replaced > 0) {
      ++stats.clears;
      stats.replaced += replaced;
    }
  }
  return stats;
}

CompactionStats compact_buckets(BucketStorage& storage, const std::vector<std::string>& buckets,
                                const CompactOptions& options) {
  CompactionStats total;
  for (const auto& bucket : buckets) total += compact_bucket(storage, bucket, options);
  return total;
}

CompactionStats compact_all(BucketStorage& storage, const CompactOptions& options) {
  return compact_buckets(storage, storage.bucket_names(), options);
}

CompactionWorker::CompactionWorker(const DevserverConfig& config) : config_(config) {}

CompactionWorker::~CompactionWorker() { stop(); }

CompactionStats CompactionWorker::run_once() {
  BucketStorage storage(config_.storage_path);
  auto stats = compact_buckets(storage, storage.buckets_to_compact(std::max(1, config_.compact_min_superseded)));
  std::lock_guard lock(mutex_);
  totals_ += stats;
  return stats;
}

CompactionStats CompactionWorker::totals() {
  std::lock_guard lock(mutex_);
  return totals_;
}

void CompactionWorker::start() {
  if (config_.compact_interval_seconds <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::seconds(config_.compact_interval_seconds), [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      try {
        run_once();
      } catch (const std::exception&) {
        // A busy storage is retried on the next round; compaction is only an optimisation.
      }
      lock.lock();
    }
  });
}

void CompactionWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace powersync::devserver
