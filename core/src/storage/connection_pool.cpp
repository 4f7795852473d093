#include "powersync/storage/connection_pool.hpp"

#include <utility>

#include "powersync/util/error.hpp"
#include "wal_checkpointer.hpp"

namespace powersync {

Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      connection_(std::exchange(other.connection_, nullptr)),
      is_writer_(other.is_writer_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    connection_ = std::exchange(other.connection_, nullptr);
    is_writer_ = other.is_writer_;
  }
  return *this;
}

Lease::~Lease() { release(); }

void Lease::release() noexcept {
  if (connection_ == nullptr) return;
  auto* connection = std::exchange(connection_, nullptr);
  auto pool = std::move(pool_);
  pool->give_back(connection, is_writer_);
}

namespace {

bool is_memory_path(const std::string& path) {
  return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0 ||
         path.find("mode=memory") != std::string::npos;
}

}  // namespace

std::shared_ptr<ConnectionPool> ConnectionPool::open(const PoolOptions& options, Setup setup) {
  if (options.reader_count < 0) throw_invalid_argument("reader_count must not be negative");
  if (options.busy_timeout_ms < 0) throw_invalid_argument("busy_timeout_ms must not be negative");
  if (options.background_checkpoint_pages < 0) throw_invalid_argument("background_checkpoint_pages must not be negative");
  std::shared_ptr<ConnectionPool> pool(new ConnectionPool(options));
  pool->in_memory_ = is_memory_path(options.path);

  ConnectionOptions writer_options;
  writer_options.path = options.path.empty() ? ":memory:" : options.path;
  writer_options.wal = options.wal;
  writer_options.busy_timeout_ms = options.busy_timeout_ms;
  writer_options.cache_size_kib = options.writer_cache_size_kib;
  writer_options.temp_store_memory = is_memory_path(writer_options.path);  // see ConnectionOptions
  pool->writer_ = std::make_unique<Connection>(writer_options);
  if (setup) setup(*pool->writer_, true);

  // A private in-memory database exists only in its one connection: reads use the writer.
  if (!pool->in_memory_) {
    ConnectionOptions reader_options = writer_options;
    reader_options.cache_size_kib = options.reader_cache_size_kib;
    reader_options.wal = false;  // the writer already switched the file to WAL
    reader_options.temp_store_memory = true;
    for (int i = 0; i < options.reader_count; ++i) {
      auto reader = std::make_unique<Connection>(reader_options);
      reader->exec("PRAGMA query_only = TRUE");
      if (setup) setup(*reader, false);
      pool->idle_readers_.push_back(reader.get());
      pool->readers_.push_back(std::move(reader));
    }
    if (options.wal && options.background_checkpoint_pages > 0) {
      pool->checkpointer_ =
          std::make_unique<WalCheckpointer>(*pool->writer_, writer_options, options.background_checkpoint_pages);
    }
  }
  return pool;
}

ConnectionPool::ConnectionPool(const PoolOptions& options) : options_(options) {}
ConnectionPool::~ConnectionPool() = default;

Lease ConnectionPool::writer() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return closed_ || !writer_busy_; });
  if (closed_) throw_closed();
  writer_busy_ = true;
  ++leases_out_;
  return Lease(shared_from_this(), writer_.get(), true);
}

Lease ConnectionPool::reader() {
  if (readers_.empty()) return writer();
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return closed_ || !idle_readers_.empty(); });
  if (closed_) throw_closed();
  Connection* connection = idle_readers_.back();
  idle_readers_.pop_back();
  ++leases_out_;
  return Lease(shared_from_this(), connection, false);
}

void ConnectionPool::give_back(Connection* connection, bool writer) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (writer) {
      writer_busy_ = false;
    } else {
      idle_readers_.push_back(connection);
    }
    --leases_out_;
  }
  available_.notify_all();
}

void ConnectionPool::close() {
  std::unique_lock lock(mutex_);
  if (closed_ && !writer_ && readers_.empty()) return;
  closed_ = true;
  available_.notify_all();
  available_.wait(lock, [&] { return leases_out_ == 0; });
  // The checkpointer and readers first: the writer's close then checkpoints the WAL into
  // the main file.
  checkpointer_.reset();
  idle_readers_.clear();
  readers_.clear();
  writer_.reset();
}

bool ConnectionPool::closed() const noexcept {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace powersync
