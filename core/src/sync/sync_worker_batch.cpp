#include "powersync/sync/sync_worker_batch.hpp"

#include <sqlite3.h>

#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"

namespace powersync::sync {

DataLineBatch::DataLineBatch(std::shared_ptr<ConnectionPool> pool, CommitListener on_commit, BatchLimits limits)
    : pool_(std::move(pool)), on_commit_(std::move(on_commit)), limits_(limits) {
  watchdog_ = std::jthread([this](std::stop_token stop) { watch(stop); });
}

DataLineBatch::~DataLineBatch() {
  watchdog_.request_stop();
  opened_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  std::lock_guard lock(mutex_);
  if (!lease_) return;
  try {
    commit_locked();
  } catch (const std::exception& e) {
    log::warn(std::string("Storing downloaded data failed: ") + e.what());
  }
}

void DataLineBatch::add(const std::function<void(Connection& writer)>& store) {
  std::lock_guard lock(mutex_);
  if (failure_) {
    std::string message = *failure_;
    failure_.reset();
    throw Error(ErrorCode::internal, "Storing downloaded data failed: " + message);
  }
  const auto now = std::chrono::steady_clock::now();
  if (!lease_) {
    lease_ = pool_->writer();
    try {
      lease_->exec("BEGIN IMMEDIATE");
    } catch (...) {
      lease_.release();
      throw;
    }
    lines_ = 0;
    opened_at_ = now;
    opened_.notify_all();
  }
  try {
    store(*lease_);
  } catch (...) {
    rollback_locked();
    throw;
  }
  ++lines_;
  last_line_at_ = std::chrono::steady_clock::now();
  if (lines_ >= limits_.max_lines || last_line_at_ - opened_at_ >= limits_.max_duration) commit_locked();
}

void DataLineBatch::flush() {
  std::lock_guard lock(mutex_);
  if (failure_) {
    std::string message = *failure_;
    failure_.reset();
    throw Error(ErrorCode::internal, "Storing downloaded data failed: " + message);
  }
  if (lease_) commit_locked();
}

void DataLineBatch::commit_locked() {
  try {
    lease_->exec("COMMIT");
  } catch (...) {
    rollback_locked();
    throw;
  }
  if (on_commit_) on_commit_(*lease_);
  lease_.release();
}

void DataLineBatch::rollback_locked() noexcept {
  if (!lease_) return;
  if (lease_->in_transaction()) sqlite3_exec(lease_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  lease_.release();
}

void DataLineBatch::watch(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (!lease_) {
      opened_.wait(lock, stop, [this] { return static_cast<bool>(lease_); });
      continue;
    }
    const auto due = last_line_at_ + limits_.idle;
    if (std::chrono::steady_clock::now() >= due) {
      try {
        commit_locked();
      } catch (const std::exception& e) {
        failure_ = e.what();
      }
      continue;
    }
    opened_.wait_until(lock, stop, due, [] { return false; });
  }
}

}  // namespace powersync::sync
