// Running SQL text (one or more statements) on a connection and materializing the rows of
// the last statement.

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "database/statement_runner.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace detail {
namespace {

bool is_blank(std::string_view sql) {
  return std::all_of(sql.begin(), sql.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) || c == ';'; });
}

// Skips whitespace and comments; returns the rest of the text.
std::string_view skip_space_and_comments(std::string_view sql) {
  for (;;) {
    while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.front())) || sql.front() == ';'))
      sql.remove_prefix(1);
    if (sql.starts_with("--")) {
      const auto end = sql.find('\n');
      sql = end == std::string_view::npos ? std::string_view{} : sql.substr(end + 1);
    } else if (sql.starts_with("/*")) {
      const auto end = sql.find("*/", 2);
      sql = end == std::string_view::npos ? std::string_view{} : sql.substr(end + 2);
    } else {
      return sql;
    }
  }
}

std::string first_keyword(std::string_view sql) {
  sql = skip_space_and_comments(sql);
  std::string keyword;
  for (char c : sql) {
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    keyword.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return keyword;
}

}  // namespace

ChangeCounter::ChangeCounter(sqlite3* db, bool statement_writes)
    : db_(db), tracing_(statement_writes), total_before_(sqlite3_total_changes64(db)) {
  if (tracing_) sqlite3_trace_v2(db_, SQLITE_TRACE_STMT, &ChangeCounter::on_trace, this);
}

ChangeCounter::~ChangeCounter() {
  if (tracing_) sqlite3_trace_v2(db_, 0, nullptr, nullptr);
}

std::int64_t ChangeCounter::rows() const noexcept {
  // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE: a statement that
  // changed nothing (DDL, SELECT) must report 0, not that.
  if (sqlite3_total_changes64(db_) == total_before_) return 0;
  const std::int64_t direct = sqlite3_changes64(db_);
  return direct > 0 ? direct : trigger_runs_;
}

int ChangeCounter::on_trace(unsigned, void* self, void*, void* text) {
  // Trigger programs announce themselves as "-- TRIGGER <name>", once per row.
  auto* counter = static_cast<ChangeCounter*>(self);
  const std::string_view sql(static_cast<const char*>(text));
  if (!sql.starts_with("-- TRIGGER ")) return 0;
  try {
    if (counter->first_trigger_.empty()) counter->first_trigger_ = sql;
  } catch (...) {
    return 0;
  }
  if (sql == counter->first_trigger_) ++counter->trigger_runs_;
  return 0;
}

bool runs_outside_transaction(std::string_view sql) {
  static const char* const kKeywords[] = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT",
                                          "RELEASE", "VACUUM", "ATTACH", "DETACH", "PRAGMA"};
  const std::string keyword = first_keyword(sql);
  return std::any_of(std::begin(kKeywords), std::end(kKeywords), [&](const char* k) { return keyword == k; });
}

namespace {

// Binds, steps and materializes one prepared statement.
ResultSet run_one(Connection& connection, Statement& statement, const Params& params, bool read_only,
                  std::string_view context, bool only_statement, bool& params_used) {
  sqlite3* db = connection.handle();
  if (read_only && !statement.readonly()) {
    const std::string who = context.empty() ? std::string("this call") : std::string(context);
    throw Error(ErrorCode::sql, "attempt to write a readonly database: " + who + " runs read-only statements only",
                SQLITE_READONLY);
  }
  // Every statement that takes parameters gets the list; a lone statement is checked
  // strictly so a wrong count fails before it runs.
  if (sqlite3_bind_parameter_count(statement.handle()) > 0 || (!params.empty() && only_statement)) {
    statement.bind_all(params);
    params_used = true;
  }
  const int columns = statement.column_count();
  ResultSet current;
  current.columns.reserve(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) current.columns.push_back(statement.column_name(c));
  const ChangeCounter changes(db, !statement.readonly());
  while (statement.step()) {
    for (int c = 0; c < columns; ++c) current.cells.push_back(statement.column_value(c));
  }
  current.rows_affected = changes.rows();
  current.last_insert_id = sqlite3_last_insert_rowid(db);
  return current;
}

// Returns a cached statement to its idle state (no open read, no bindings), also on errors.
struct ResetOnExit {
  Statement& statement;
  ~ResetOnExit() { statement.reset(); }
};

}  // namespace

bool is_single_statement(Connection& connection, std::string_view sql) {
  return connection.cached_app_statement(sql) != nullptr;
}

ResultSet run_statements(Connection& connection, std::string_view sql, const Params& params, bool read_only,
                         std::string_view context) {
  bool params_used = false;
  // The common case, one statement, reuses its prepared form: preparing a write through a
  // view (with its trigger programs) costs more than running it.
  if (Statement* cached = connection.cached_app_statement(sql)) {
    ResetOnExit reset{*cached};
    cached->reset();
    return run_one(connection, *cached, params, read_only, context, true, params_used);
  }

  sqlite3* db = connection.handle();
  ResultSet result;
  bool prepared_any = false;
  std::string_view rest = sql;
  while (!rest.empty()) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db, rest.data(), static_cast<int>(rest.size()), 0, &raw, &tail);
    if (rc != SQLITE_OK) connection.throw_error(rc);
    const auto consumed = static_cast<std::size_t>(tail - rest.data());
    rest.remove_prefix(std::min(consumed, rest.size()));
    if (raw == nullptr) continue;  // only whitespace or a comment
    Statement statement(db, raw);
    const bool only_statement = !prepared_any && is_blank(rest);
    prepared_any = true;
    result = run_one(connection, statement, params, read_only, context, only_statement, params_used);
  }
  if (!params.empty() && !params_used) {
    throw_invalid_argument("SQL takes no parameters but " + std::to_string(params.size()) + " were given");
  }
  return result;
}

}  // namespace detail

ResultSet run_statement(Connection& connection, std::string_view sql, const Params& params) {
  return detail::run_statements(connection, sql, params, false);
}

}  // namespace powersync
