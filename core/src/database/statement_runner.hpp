#pragma once
// Internal helpers of the database module: running SQL text on a connection and
// classifying statements.

#include <cstdint>
#include <string>
#include <string_view>

#include "powersync/database.hpp"

struct sqlite3;

namespace powersync::detail {

// Like run_statement; with `read_only` every statement must be read-only (checked before
// any of them runs), which keeps read transactions and get_all from writing, also on the
// in-memory writer connection. `context` names the caller in that error.
ResultSet run_statements(Connection& connection, std::string_view sql, const Params& params, bool read_only,
                         std::string_view context = {});

// True when the first statement must not be wrapped in BEGIN ... COMMIT: transaction
// control (BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE) and statements SQLite refuses
// inside a transaction (VACUUM, ATTACH, DETACH, some PRAGMAs).
bool runs_outside_transaction(std::string_view sql);

// True when `sql` is one statement (it is then prepared and cached on `connection`).
// Single statements run in autocommit, as in the official SDKs: a trigger's RAISE(FAIL)
// keeps the rows the statement wrote before it.
bool is_single_statement(Connection& connection, std::string_view sql);

// Counts the rows one statement changed. SQLite's own count leaves out rows of a view
// handled by INSTEAD OF triggers (every write through a PowerSync view), so for those the
// starts of the first trigger seen are counted: it runs once per row of the view.
// Uses the connection's trace hook while it lives; create it just before the first step.
class ChangeCounter {
 public:
  ChangeCounter(sqlite3* db, bool statement_writes);
  ~ChangeCounter();
  ChangeCounter(const ChangeCounter&) = delete;
  ChangeCounter& operator=(const ChangeCounter&) = delete;
  // The statement's changed rows; call once it has run to completion.
  std::int64_t rows() const noexcept;

 private:
  static int on_trace(unsigned type, void* self, void* statement, void* text);
  sqlite3* db_;
  bool tracing_;
  std::int64_t total_before_;
  std::string first_trigger_;
  std::int64_t trigger_runs_ = 0;
};

}  // namespace powersync::detail
