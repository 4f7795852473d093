#include "wal_checkpointer.hpp"

#include <sqlite3.h>

#include "powersync/util/log.hpp"

namespace powersync {

WalCheckpointer::WalCheckpointer(Connection& writer, ConnectionOptions options, int threshold_pages)
    : writer_(writer), threshold_pages_(threshold_pages) {
  options.wal = false;  // the writer already switched the file to WAL
  options.cache_size_kib = 256;  // it only copies pages from the WAL into the file
  connection_ = std::make_unique<Connection>(options);
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_wal_commit, this);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_.handle(), 1000);  // SQLite's default
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  connection_.reset();
}

int WalCheckpointer::on_wal_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages < checkpointer->threshold_pages_) return SQLITE_OK;
  {
    std::lock_guard lock(checkpointer->mutex_);
    checkpointer->requested_ = true;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (!wake_.wait(lock, stop, [&] { return requested_; })) return;
      requested_ = false;
    }
    // PASSIVE copies what no reader still needs and never waits; what it leaves is copied
    // by a later round (or by the writer's close).
    const int rc = sqlite3_wal_checkpoint_v2(connection_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      log::warn(std::string("background WAL checkpoint failed: ") + sqlite3_errmsg(connection_->handle()));
    }
  }
}

}  // namespace powersync
