#pragma once
// Bucket compaction, as the PowerSync Service does it (its docs/storage/compacting-operations.md):
//   1. MOVE: a PUT or REMOVE with a later PUT or REMOVE of the same row (object_type, object_id,
//      subkey) in its bucket becomes a MOVE: same op id and checksum, no row and no data.
//   2. CLEAR: the run of MOVE/REMOVE (and earlier CLEAR) ops at the start of a bucket, when it
//      holds more than one MOVE/REMOVE, becomes one CLEAR op with the op id of the last op it
//      replaces and the wrapping sum of their checksums.
// Bucket checksums stay the same, so clients at any position keep validating: one behind the
// CLEAR drops its ops for the bucket and starts from the CLEAR's checksum, one past it keeps
// the original ops, whose checksums sum to the same. Counts drop by what a CLEAR replaced.
// Each batch runs in its own immediate transaction, so the replicator is never held up for long.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bucket_storage.hpp"
#include "config.hpp"

namespace powersync::devserver {

struct CompactOptions {
  int batch_size = 5000;  // ops read (newest first) per transaction
  // Row keys tracked per bucket; past this, further rows are not tracked (less compaction,
  // never a wrong one), as the service bounds its memory.
  std::size_t memory_limit_bytes = 64 * 1024 * 1024;
};

struct CompactionStats {
  std::int64_t buckets = 0;
  std::int64_t moved = 0;     // ops turned into MOVE
  std::int64_t clears = 0;    // CLEAR ops written
  std::int64_t replaced = 0;  // ops replaced by those CLEAR ops

  CompactionStats& operator+=(const CompactionStats& other);
};

CompactionStats compact_bucket(BucketStorage& storage, const std::string& bucket, const CompactOptions& options = {});
CompactionStats compact_buckets(BucketStorage& storage, const std::vector<std::string>& buckets,
                                const CompactOptions& options = {});
// Every bucket in the storage (the `compact` command).
CompactionStats compact_all(BucketStorage& storage, const CompactOptions& options = {});

// The running server's automatic compaction: every compact_interval_seconds, the buckets with
// at least compact_min_superseded superseded ops (and a tenth of their ops) since their last
// compaction. Uses its own storage connection.
class CompactionWorker {
 public:
  explicit CompactionWorker(const DevserverConfig& config);
  ~CompactionWorker();
  CompactionWorker(const CompactionWorker&) = delete;
  CompactionWorker& operator=(const CompactionWorker&) = delete;

  void start();  // no-op when compact_interval_seconds is 0
  void stop();
  // One round now, on the caller's thread (tests and diagnostics).
  CompactionStats run_once();
  CompactionStats totals();

 private:
  const DevserverConfig& config_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  CompactionStats totals_;
};

}  // namespace powersync::devserver
