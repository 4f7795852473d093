// Explicit transactions. The transaction was begun by Database::begin_write/begin_read;
// here it runs statements and ends with COMMIT or ROLLBACK, returning its connection.

#include <sqlite3.h>

#include "database/statement_runner.hpp"
#include "powersync/database.hpp"
#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"

namespace powersync {

Transaction::Transaction(std::shared_ptr<Database> db, Lease lease, bool write)
    : db_(std::move(db)), lease_(std::move(lease)), write_(write) {}

Transaction::~Transaction() {
  if (!is_open()) return;
  try {
    finish("ROLLBACK");
  } catch (const std::exception& e) {
    log::warn(std::string("rolling back an abandoned transaction failed: ") + e.what());
  }
}

Connection& Transaction::connection() {
  if (!is_open()) throw_closed("transaction is already committed or rolled back");
  return *lease_;
}

ResultSet Transaction::execute(std::string_view sql, const Params& params) {
  Connection& c = connection();
  ResultSet result = detail::run_statements(c, sql, params, !write_, "a read transaction");
  // Should the SQL itself have ended the transaction, publish what it committed.
  if (write_) db_->after_write(c);
  return result;
}

ResultSet Transaction::get_all(std::string_view sql, const Params& params) { return execute(sql, params); }

void Transaction::commit() { finish("COMMIT"); }

void Transaction::rollback() { finish("ROLLBACK"); }

void Transaction::finish(const char* sql) {
  Connection& c = connection();
  // The lease goes back to the pool however this ends; a failed COMMIT is rolled back so
  // the connection never returns to the pool inside a transaction.
  struct Release {
    Transaction& tx;
    ~Release() {
      Connection& conn = *tx.lease_;
      if (conn.in_transaction()) sqlite3_exec(conn.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      if (tx.write_) {
        try {
          tx.db_->after_write(conn);
        } catch (...) {
        }
      }
      tx.lease_.release();
    }
  } release{*this};
  // SQLite rolls back by itself after some errors (SQLITE_FULL, IOERR, ...).
  if (!c.in_transaction()) {
    if (std::string_view(sql) == "ROLLBACK") return;
    throw Error(ErrorCode::sql, "cannot commit: SQLite already rolled the transaction back after an earlier error");
  }
  c.exec(sql);
}

}  // namespace powersync
