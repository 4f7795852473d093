#pragma once
// One writer and N reader connections over one database file (WAL mode).
// A lease is held by one thread at a time but may be released from another thread
// (the C ABI's transactions move between host threads), so leases are counted with
// condition variables rather than std::mutex ownership.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync {

struct PoolOptions {
  std::string path = ":memory:";
  int reader_count = 4;
  bool wal = true;
  int busy_timeout_ms = 30000;
  int writer_cache_size_kib = 16384;
  int reader_cache_size_kib = 2048;
  // File databases: once the WAL holds this many pages after a commit, a background thread
  // checkpoints it (see wal_checkpointer.hpp). 0 keeps SQLite's checkpoint inside the commit.
  int background_checkpoint_pages = 1000;
};

class ConnectionPool;
class WalCheckpointer;

// Exclusive use of one connection until destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&&) noexcept;
  Lease& operator=(Lease&&) noexcept;
  ~Lease();
  Connection& operator*() const noexcept { return *connection_; }
  Connection* operator->() const noexcept { return connection_; }
  Connection& connection() const noexcept { return *connection_; }
  explicit operator bool() const noexcept { return connection_ != nullptr; }
  bool is_writer() const noexcept { return is_writer_; }
  void release() noexcept;

 private:
  friend class ConnectionPool;
class WalCheckpointer;
  Lease(std::shared_ptr<ConnectionPool> pool, Connection* c, bool writer) noexcept
      : pool_(std::move(pool)), connection_(c), is_writer_(writer) {}
  std::shared_ptr<ConnectionPool> pool_;
  Connection* connection_ = nullptr;
  bool is_writer_ = false;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  // `setup` runs once on every connection right after it opens (functions, hooks).
  using Setup = std::function<void(Connection&, bool is_writer)>;

  static std::shared_ptr<ConnectionPool> open(const PoolOptions& options, Setup setup);
  ~ConnectionPool();

  // Waits for the writer. Throws Error(closed) once the pool is closed.
  Lease writer();
  // Waits for a reader (the writer, for in-memory databases).
  Lease reader();

  // Waits until every lease is returned, then closes all connections. Idempotent.
  void close();
  bool closed() const noexcept;
  bool in_memory() const noexcept { return in_memory_; }
  const PoolOptions& options() const noexcept { return options_; }

 private:
  friend class Lease;
  explicit ConnectionPool(const PoolOptions& options);
  void give_back(Connection* c, bool writer) noexcept;

  PoolOptions options_;
  bool in_memory_ = false;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  bool closed_ = false;
  std::unique_ptr<Connection> writer_;
  bool writer_busy_ = false;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> idle_readers_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  int leases_out_ = 0;
};

}  // namespace powersync
