#pragma once
// Turns backend changes into bucket ops: polls the backend's change log, re-evaluates each
// changed row against the stream queries and appends PUT (new or changed data in a bucket) and
// REMOVE (the row left a bucket) ops, one storage transaction per poll.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "backend.hpp"
#include "bucket_storage.hpp"
#include "change_notifier.hpp"
#include "config.hpp"

namespace powersync::devserver {

class Replicator {
 public:
  Replicator(const DevserverConfig& config, ChangeNotifier& notifier);
  ~Replicator();

  // Prepares the backend (demo schema, triggers) and, for a new or changed sync config, resets
  // the storage and replicates every existing row. Synchronous.
  void initialize();
  int sync_version() const { return sync_version_; }

  // Processes pending changes; returns how many change-log entries were consumed.
  int poll_once();

  void start();  // polls on a thread every poll_interval_ms, or at once after poke()
  void poke();
  void stop();

 private:
  void replicate_row(const std::string& table, const Value& id);

  const DevserverConfig& config_;
  ChangeNotifier& notifier_;
  Backend backend_;
  BucketStorage storage_;
  int sync_version_ = 1;
  std::vector<std::string> data_tables_;  // tables some stream syncs rows of

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool poked_ = false;
  bool stopping_ = false;
};

std::string config_fingerprint(const DevserverConfig& config);

}  // namespace powersync::devserver
