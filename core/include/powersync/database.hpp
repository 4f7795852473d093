#pragma once
// The façade the C ABI wraps: one local PowerSync database.
// Thread-safe: any number of threads may call it at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "powersync/crud/crud.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection_pool.hpp"
#include "powersync/storage/value.hpp"
#include "powersync/sync/sync_stream.hpp"
#include "powersync/sync/sync_worker.hpp"
#include "powersync/util/error.hpp"

namespace powersync {

class ChangeNotifier;
class TableTracker;

// The full result of one statement, owned (independent of the connection).
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<Value> cells;  // row-major: row r, column c at r * columns.size() + c
  std::int64_t rows_affected = 0;
  std::int64_t last_insert_id = 0;

  std::size_t row_count() const noexcept { return columns.empty() ? 0 : cells.size() / columns.size(); }
  const Value& at(std::size_t row, std::size_t column) const { return cells.at(row * columns.size() + column); }
  bool operator==(const ResultSet& other) const { return columns == other.columns && cells == other.cells; }
};

// Runs every prepared statement of a result on `connection` and materializes the last
// statement's rows. Shared by the façade and transactions.
ResultSet run_statement(Connection& connection, std::string_view sql, const Params& params);

struct DatabaseOptions {
  PoolOptions pool;
};

struct WatchOptions {
  std::chrono::milliseconds throttle{30};
  bool skip_identical = false;
};

class Database;

// A read or write transaction holding one pooled connection.
class Transaction {
 public:
  ~Transaction();  // rolls back if still open
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  ResultSet execute(std::string_view sql, const Params& params = {});
  ResultSet get_all(std::string_view sql, const Params& params = {});
  void commit();
  void rollback();
  bool is_open() const noexcept { return lease_.operator bool(); }
  bool is_write() const noexcept { return write_; }

 private:
  friend class Database;
  Transaction(std::shared_ptr<Database> db, Lease lease, bool write);
  Connection& connection();
  void finish(const char* sql);
  std::shared_ptr<Database> db_;
  Lease lease_;
  bool write_;
};

class Database : public std::enable_shared_from_this<Database> {
 public:
  static std::shared_ptr<Database> open(const DatabaseOptions& options, const Schema& schema);
  ~Database();

  void update_schema(const Schema& schema);
  const std::string& client_id() const noexcept { return client_id_; }

  // Writer: one statement, in its own transaction unless it is transaction control.
  ResultSet execute(std::string_view sql, const Params& params = {});
  // Writer: the statement once per parameter list, in one transaction. Returns total changes.
  std::int64_t execute_batch(std::string_view sql, const std::vector<Params>& param_sets);
  // Reader.
  ResultSet get_all(std::string_view sql, const Params& params = {});
  // First row; throws Error(invalid_argument, "Result set is empty") when there is none.
  ResultSet get(std::string_view sql, const Params& params = {});
  // First row or an empty result.
  ResultSet get_optional(std::string_view sql, const Params& params = {});

  std::unique_ptr<Transaction> begin_write();
  std::unique_ptr<Transaction> begin_read();
  // Convenience: runs `body` in a write transaction, committing unless it throws.
  template <typename F>
  auto write_transaction(F&& body) {
    auto tx = begin_write();
    if constexpr (std::is_void_v<decltype(body(*tx))>) {
      body(*tx);
      tx->commit();
    } else {
      auto result = body(*tx);
      tx->commit();
      return result;
    }
  }

  // Upload queue.
  CrudBatch get_crud_batch(int limit);
  std::optional<CrudBatch> get_next_crud_transaction();
  void complete_crud(std::int64_t last_client_id, const std::optional<std::string>& write_checkpoint);
  UploadQueueStats upload_queue_stats();

  // Change notifications. Table names are user-facing (view names) or internal names.
  using ChangeCallback = std::function<void(const std::vector<std::string>& tables)>;
  using WatchCallback = std::function<void(const ResultSet* rows, const Error* error)>;
  using ListenerId = std::uint64_t;

  ListenerId on_change(const std::vector<std::string>& tables, const WatchOptions& options,
                       ChangeCallback callback);
  ListenerId watch(std::string sql, Params params, const WatchOptions& options, WatchCallback callback);
  // After return no callback of the listener runs (see ChangeNotifier::remove).
  void remove_listener(ListenerId id);

  // Internal table names a query reads, found from its plan (views resolved to ps_data).
  std::set<std::string> resolve_tables(std::string_view sql);

  // Sync with a PowerSync service through `connector` (replacing an earlier connection).
  // `http` defaults to the libcurl client. Local writes are uploaded as they are queued.
  void connect(std::shared_ptr<sync::Connector> connector, const sync::SyncOptions& options = {},
               std::shared_ptr<transport::HttpClient> http = nullptr);
  // Idempotent; returns once no sync thread runs and no connector call is awaited.
  void disconnect();
  // Disconnects, then removes everything synced and queued (and local-only rows with
  // `clear_local`); has_synced starts over.
  void disconnect_and_clear(bool clear_local = false);
  sync::SyncStatus sync_status() const;
  // Status snapshots, delivered on the notifier thread; removed with remove_listener.
  ListenerId on_sync_status(std::function<void(const sync::SyncStatus&)> callback);
  // Blocks until `predicate` holds for the current status; false on timeout or close.
  bool wait_for_status(const std::function<bool(const sync::SyncStatus&)>& predicate,
                       std::chrono::milliseconds timeout);
  // Until a full sync (or one of `priority` and above) completed; false on timeout.
  bool wait_for_first_sync(std::optional<int> priority, std::chrono::milliseconds timeout);

  // Sync Streams (powersync/sync/sync_stream.hpp): a stream by name and parameters (a JSON
  // object, or nullopt/"null" for none), to subscribe to. Throws Error(invalid_argument) for an
  // empty name or parameters that are not a JSON object.
  sync::SyncStream sync_stream(std::string name, std::optional<std::string_view> parameters_json = std::nullopt);

  // Idempotent. Waits for running statements and callbacks, removes listeners, closes
  // connections. Later calls throw Error(closed).
  void close();
  bool is_closed() const noexcept;

  // For the sync engine and tests: direct pool access.
  ConnectionPool& pool() { return *pool_; }

 private:
  friend class Transaction;
  friend class sync::SyncStream;
  friend class sync::SyncStreamSubscription;
  Database() = default;
  void setup_connection(Connection& connection, bool is_writer);
  void after_write(Connection& writer);  // publishes committed table changes
  Lease writer();
  Lease reader();
  std::set<std::string> internal_names_for(const std::vector<std::string>& tables);
  // Keeps `status` unless a newer snapshot (higher sequence) is already known; 0 always wins.
  void publish_sync_status(const sync::SyncStatus& status, std::uint64_t sequence);

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<ChangeNotifier> notifier_;
  std::unique_ptr<TableTracker> tracker_;
  std::string client_id_;
  mutable std::mutex schema_mutex_;
  Schema schema_;

  std::mutex connection_mutex_;  // serializes connect/disconnect
  std::shared_ptr<sync::SyncWorker> worker_;
  ListenerId upload_trigger_ = 0;
  mutable std::mutex status_mutex_;
  std::condition_variable status_changed_;
  mutable std::optional<sync::SyncStatus> status_;  // loaded from the database on first use
  std::uint64_t status_sequence_ = 0;  // of status_, per connection

  // Sync Streams (database_streams.cpp).
  std::shared_ptr<sync::SyncStreamSubscription> subscribe_stream(const sync::StreamKey& key,
                                                                 const sync::SubscribeOptions& options);
  void unsubscribe_all_streams(const sync::StreamKey& key);
  void release_stream(const sync::StreamKey& key);
  bool wait_for_stream_synced(const sync::StreamKey& key, std::chrono::milliseconds timeout, std::stop_token stop);
  // Hands the keys of live handles to the worker; with no worker, refreshes the offline status.
  // Called with connection_mutex_ held.
  void streams_changed_locked(bool refresh_offline_status);
  std::vector<sync::StreamKey> active_stream_keys();
  std::mutex streams_mutex_;
  std::map<sync::StreamKey, int> active_streams_;  // live handles per subscription
};

}  // namespace powersync
