#pragma once
// Data lines committed in batches. A commit per data line makes SQLite write every B-tree
// page a line touched to the WAL once per line; with random row ids that is nearly one page
// per op. Downloaded ops are invisible until their checkpoint completes (only sync_local
// makes rows visible), so several data lines may share one write transaction.
//
// The batch commits after `max_lines` lines or `max_duration`, before any other line (the
// caller flushes), and — from a watchdog thread — once no line arrived for `idle`, so a
// stalled stream never keeps the writer from the app for longer than that.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "powersync/storage/connection_pool.hpp"

namespace powersync::sync {

// A line of 1000 ops takes a few ms to store; 64 of them amortize the page writes of the
// random index inserts, and the app waits at most about max_duration for the writer.
struct BatchLimits {
  int max_lines = 64;
  std::chrono::milliseconds max_duration{1000};
  std::chrono::milliseconds idle{100};
};

class DataLineBatch {
 public:
  using CommitListener = std::function<void(Connection& writer)>;

  DataLineBatch(std::shared_ptr<ConnectionPool> pool, CommitListener on_commit, BatchLimits limits = {});
  // Commits what is open (every line in it was stored whole) and stops the watchdog.
  ~DataLineBatch();
  DataLineBatch(const DataLineBatch&) = delete;
  DataLineBatch& operator=(const DataLineBatch&) = delete;

  // Runs `store` on the writer inside the batch's transaction, opening one if needed. If it
  // throws, the whole batch is rolled back and the exception propagates (the stream then ends
  // and the next one resumes from what was committed). Throws if an earlier commit failed.
  void add(const std::function<void(Connection& writer)>& store);
  // Commits now if a batch is open.
  void flush();

 private:
  void commit_locked();
  void rollback_locked() noexcept;
  void watch(std::stop_token stop);

  std::shared_ptr<ConnectionPool> pool_;
  CommitListener on_commit_;
  BatchLimits limits_;

  std::mutex mutex_;
  std::condition_variable_any opened_;
  Lease lease_;  // held while a batch is open
  int lines_ = 0;
  std::chrono::steady_clock::time_point opened_at_, last_line_at_;
  std::optional<std::string> failure_;  // a commit the watchdog could not make
  std::jthread watchdog_;
};

}  // namespace powersync::sync
