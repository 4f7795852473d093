#pragma once
// Checkpoints the WAL of a file database on a thread of its own. SQLite's automatic
// checkpoint runs inside the commit that crosses the threshold: that commit then copies
// about a thousand pages into the main file and fsyncs it, which made every hundredth
// one-row sync checkpoint (and local write) take tens of milliseconds. Here the writer's
// commit only notes the WAL size; a background connection runs PASSIVE checkpoints, which
// never block the writer or readers.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "powersync/storage/connection.hpp"

namespace powersync {

class WalCheckpointer {
 public:
  // Opens its own connection to `options.path` and takes over `writer`'s WAL hook (which
  // also turns off its automatic checkpoints). `writer` must outlive this object.
  WalCheckpointer(Connection& writer, ConnectionOptions options, int threshold_pages);
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  // Gives the writer its automatic checkpoints back and stops the thread. Call only while
  // no one uses the writer.
  ~WalCheckpointer();

 private:
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run(std::stop_token stop);

  Connection& writer_;
  std::unique_ptr<Connection> connection_;
  const int threshold_pages_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool requested_ = false;
  std::jthread thread_;
};

}  // namespace powersync
