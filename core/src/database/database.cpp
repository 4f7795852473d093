// Database lifecycle: open (pool, SQL functions, change tracking, internal tables, schema),
// schema updates and close.

#include "powersync/database.hpp"

#include "powersync/schema/schema_apply.hpp"
#include "powersync/sync/bucket_storage.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"
#include "powersync/watch/change_notifier.hpp"
#include "powersync/watch/table_tracker.hpp"

namespace powersync {

std::shared_ptr<Database> Database::open(const DatabaseOptions& options, const Schema& schema) {
  validate_schema(schema);
  std::shared_ptr<Database> db(new Database());
  Database* self = db.get();
  db->pool_ = ConnectionPool::open(options.pool,
                                   [self](Connection& connection, bool is_writer) { self->setup_connection(connection, is_writer); });
  db->notifier_ = std::make_unique<ChangeNotifier>();
  {
    Lease writer = db->pool_->writer();
    // Installed once the pool is open, under the writer lease: the tracker must never
    // outlive its connection, and close() removes it under the same lease.
    ChangeNotifier* notifier = db->notifier_.get();
    db->tracker_ = std::make_unique<TableTracker>(
        *writer, [notifier](std::set<std::string> tables) { notifier->notify(tables); });
    db->client_id_ = ensure_internal_schema(*writer);
    if (sync::is_bulk_loading(*writer)) {
      // A download that stopped mid bulk load left the oplog without its row indexes.
      TransactionGuard tx(*writer);
      sync::finish_bulk_load(*writer);
      tx.commit();
    }
    apply_schema(*writer, schema);
    db->schema_ = schema;
    db->after_write(*writer);
  }
  return db;
}

Database::~Database() {
  try {
    close();
  } catch (const std::exception& e) {
    log::error(std::string("closing the database failed: ") + e.what());
  }
}

void Database::setup_connection(Connection& connection, bool /*is_writer*/) {
  // Readers need the functions too: views and user queries may call them.
  register_sql_functions(connection);
}

void Database::update_schema(const Schema& schema) {
  validate_schema(schema);
  Lease lease = writer();  // also serializes concurrent updates
  lease->clear_cache();    // cached statements may refer to tables the update drops
  apply_schema(*lease, schema);
  {
    std::lock_guard schema_lock(schema_mutex_);
    schema_ = schema;
  }
  after_write(*lease);
}

void Database::after_write(Connection& writer) {
  if (tracker_) tracker_->flush_if_committed();
  (void)writer;
}

Lease Database::writer() {
  if (!pool_) throw_closed();
  return pool_->writer();
}

Lease Database::reader() {
  if (!pool_) throw_closed();
  return pool_->reader();
}

void Database::close() {
  if (!pool_) return;
  // The sync worker writes through the pool and notifies listeners: it stops first.
  disconnect();
  // Listeners first: a running callback finishes (its query still has the pool), no new one starts.
  if (notifier_) notifier_->shutdown();
  // The hooks go while no statement runs; the pool destroys the writer connection.
  try {
    Lease lease = pool_->writer();
    tracker_.reset();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::closed) throw;
    // Someone closed the pool directly: the writer connection is gone, so the tracker
    // must not touch it again. Leaking the small object is the safe choice.
    (void)tracker_.release();
  }
  pool_->close();
  {
    std::lock_guard lock(status_mutex_);  // a waiter between its check and its wait sees this
  }
  status_changed_.notify_all();  // wait_for_status returns on close
}

bool Database::is_closed() const noexcept { return !pool_ || pool_->closed(); }

}  // namespace powersync
