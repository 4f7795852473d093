// Statements through the façade: writes on the writer (autocommit, or one transaction for several statements), reads
// on a reader, explicit transactions and the upload queue.

#include <sqlite3.h>

#include <optional>

#include "database/statement_runner.hpp"
#include "powersync/database.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

// Keeps only the first row of `rows`.
ResultSet first_row(ResultSet rows) {
  if (rows.row_count() > 1) rows.cells.resize(rows.columns.size());
  return rows;
}

}  // namespace

ResultSet Database::execute(std::string_view sql, const Params& params) {
  Lease lease = writer();
  Connection& connection = *lease;
  ResultSet result;
  if (connection.in_transaction() || detail::runs_outside_transaction(sql) ||
      detail::is_single_statement(connection, sql)) {
    // One statement (autocommit, as the official SDKs), transaction control, or inside a
    // transaction the SQL itself began: run as is. Several statements run in one transaction.
    try {
      result = run_statement(connection, sql, params);
    } catch (...) {
      after_write(connection);
      throw;
    }
  } else {
    TransactionGuard transaction(connection, TransactionGuard::Kind::immediate);
    result = run_statement(connection, sql, params);
    transaction.commit();
  }
  after_write(connection);
  return result;
}

std::int64_t Database::execute_batch(std::string_view sql, const std::vector<Params>& param_sets) {
  Lease lease = writer();
  if (param_sets.empty()) return 0;
  Connection& connection = *lease;
  sqlite3* db = connection.handle();
  std::int64_t total = 0;
  {
    std::optional<TransactionGuard> transaction;
    if (!connection.in_transaction()) transaction.emplace(connection, TransactionGuard::Kind::immediate);
    Statement statement = connection.prepare(sql);
    for (const Params& params : param_sets) {
      statement.reset();
      statement.bind_all(params);
      const detail::ChangeCounter changes(db, true);
      statement.run();
      total += changes.rows();
    }
    statement = Statement();  // finalized before COMMIT
    if (transaction) transaction->commit();
  }
  after_write(connection);
  return total;
}

ResultSet Database::get_all(std::string_view sql, const Params& params) {
  Lease lease = reader();
  return detail::run_statements(*lease, sql, params, true, "get_all");
}

ResultSet Database::get(std::string_view sql, const Params& params) {
  ResultSet rows = get_all(sql, params);
  if (rows.row_count() == 0) throw_invalid_argument("Result set is empty");
  return first_row(std::move(rows));
}

ResultSet Database::get_optional(std::string_view sql, const Params& params) {
  return first_row(get_all(sql, params));
}

std::unique_ptr<Transaction> Database::begin_write() {
  Lease lease = writer();
  lease->exec("BEGIN IMMEDIATE");
  return std::unique_ptr<Transaction>(new Transaction(shared_from_this(), std::move(lease), true));
}

std::unique_ptr<Transaction> Database::begin_read() {
  Lease lease = reader();
  lease->exec("BEGIN");
  // A deferred transaction takes its snapshot at the first read: take it now, so the
  // transaction sees the database as of begin_read.
  try {
    lease->exec("SELECT count(*) FROM sqlite_master");
  } catch (...) {
    lease->exec("ROLLBACK");
    throw;
  }
  return std::unique_ptr<Transaction>(new Transaction(shared_from_this(), std::move(lease), false));
}

CrudBatch Database::get_crud_batch(int limit) {
  if (limit < 1) throw_invalid_argument("limit must be at least 1, got " + std::to_string(limit));
  Lease lease = reader();
  return read_crud_batch(*lease, limit);
}

std::optional<CrudBatch> Database::get_next_crud_transaction() {
  Lease lease = reader();
  return read_next_crud_transaction(*lease);
}

void Database::complete_crud(std::int64_t last_client_id, const std::optional<std::string>& write_checkpoint) {
  Lease lease = writer();
  try {
    powersync::complete_crud(*lease, last_client_id, write_checkpoint);
  } catch (...) {
    after_write(*lease);
    throw;
  }
  after_write(*lease);
}

UploadQueueStats Database::upload_queue_stats() {
  Lease lease = reader();
  return read_upload_queue_stats(*lease);
}

}  // namespace powersync
