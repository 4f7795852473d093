#pragma once
// RAII wrappers over one sqlite3 connection and its prepared statements.
// Every SQLite failure becomes powersync::Error (busy -> ErrorCode::busy, else sql).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "powersync/storage/value.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace powersync {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  void bind(int index, const Value& value);
  void bind_all(const Params& params);  // throws invalid_argument on a count mismatch
  void bind_null(int index);
  void bind_int64(int index, std::int64_t value);
  void bind_double(int index, double value);
  void bind_text(int index, std::string_view value);  // copied by SQLite
  void bind_blob(int index, const void* data, std::size_t size);

  // Returns true while a row is available.
  bool step();
  // Steps until done, discarding rows.
  void run();
  void reset() noexcept;          // reset and clear bindings
  void clear_bindings() noexcept;

  int column_count() const noexcept;
  std::string column_name(int index) const;
  ValueType column_type(int index) const noexcept;
  bool column_is_null(int index) const noexcept;
  std::int64_t column_int64(int index) const noexcept;
  double column_double(int index) const noexcept;
  std::string_view column_text(int index) const noexcept;  // valid until the next step/reset
  Value column_value(int index) const;
  bool readonly() const noexcept;
  std::string sql() const;

  sqlite3_stmt* handle() const noexcept { return stmt_; }
  explicit operator bool() const noexcept { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

struct ConnectionOptions {
  std::string path = ":memory:";
  bool read_only = false;
  bool wal = true;
  int busy_timeout_ms = 30000;
  int cache_size_kib = 2048;
  // Temporary tables and sorts in memory (fast for the small ones of app queries). The writer
  // of a file database turns it off: applying a large checkpoint sorts every changed row, and
  // in memory that sort would grow with the checkpoint instead of spilling to a temp file.
  bool temp_store_memory = true;
};

class Connection {
 public:
  // Opens the database file (creating it unless read_only) and applies the pragmas.
  explicit Connection(const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without parameters.
  void exec(std::string_view sql);
  // Prepares one statement; throws sql errors with SQLite's message.
  Statement prepare(std::string_view sql);
  // Returns a cached prepared statement (reset, bindings cleared) for hot internal SQL.
  Statement& cached(std::string_view sql);
  // A prepared statement for the app's SQL, from a small bounded cache kept apart from
  // cached() (so an eviction never invalidates internal statements held across calls).
  // nullptr when `sql` holds more than one statement. Reset it after use.
  Statement* cached_app_statement(std::string_view sql);
  // Drops both statement caches (needed before schema changes that drop tables).
  void clear_cache() noexcept;

  std::int64_t changes() const noexcept;
  std::int64_t last_insert_rowid() const noexcept;
  bool in_transaction() const noexcept;  // !autocommit

  sqlite3* handle() const noexcept { return db_; }
  const ConnectionOptions& options() const noexcept { return options_; }

  // Throws the error for `rc` with the connection's message, prefixed by `context` if given.
  [[noreturn]] void throw_error(int rc, std::string_view context = {}) const;

 private:
  sqlite3* db_ = nullptr;
  ConnectionOptions options_;
  struct StatementCache;
  std::unique_ptr<StatementCache> cache_;
  std::unique_ptr<StatementCache> app_cache_;
};

// Runs BEGIN (IMMEDIATE for writes) on construction and ROLLBACK on destruction unless
// commit() was called. Not for nested use.
class TransactionGuard {
 public:
  enum class Kind { deferred, immediate };
  explicit TransactionGuard(Connection& connection, Kind kind = Kind::immediate);
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;
  ~TransactionGuard();
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace powersync
