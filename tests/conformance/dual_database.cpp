#include "dual_database.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <set>
#include <sstream>

#include "json_text.hpp"
#include "official_core.hpp"
#include "powersync/util/error.hpp"

namespace powersync::conformance {

namespace {

// Past this many differing cells in one table, the rest are summarized.
constexpr std::size_t kMaxReportedPerTable = 20;

std::string quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Rows to_rows(const ResultSet& result) {
  Rows rows;
  rows.columns = result.columns;
  for (std::size_t r = 0; r < result.row_count(); ++r) {
    std::vector<Value> row;
    for (std::size_t c = 0; c < result.columns.size(); ++c) row.push_back(result.at(r, c));
    rows.rows.push_back(std::move(row));
  }
  return rows;
}

std::string quoted_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

std::string describe(const Value& value) {
  switch (type_of(value)) {
    case ValueType::null:
      return "NULL";
    case ValueType::integer:
      return std::to_string(std::get<std::int64_t>(value));
    case ValueType::real: {
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%.17g (real)", std::get<double>(value));
      return buffer;
    }
    case ValueType::text:
      return "'" + std::get<std::string>(value) + "'";
    case ValueType::blob: {
      static const char* hex = "0123456789abcdef";
      std::string out = "x'";
      for (auto byte : std::get<Blob>(value).bytes) {
        out += hex[byte >> 4];
        out += hex[byte & 15];
      }
      return out + "'";
    }
  }
  return "?";
}

DualDatabase::DualDatabase(const Schema& schema, const std::string& directory) : schema_(schema) {
  DatabaseOptions options;
  options.pool.path = directory.empty() ? ":memory:" : directory + "/ours.db";
  ours_ = Database::open(options, schema_);
  official_ = open_official(directory.empty() ? ":memory:" : directory + "/official.db", schema_to_json(schema_));
}

DualDatabase::~DualDatabase() {
  if (ours_) ours_->close();
}

Outcome DualDatabase::run_ours(const Sql& statement, Transaction* tx) {
  try {
    ResultSet result = tx ? tx->execute(statement.text, statement.params)
                          : ours_->execute(statement.text, statement.params);
    return {true, {}, result.rows_affected};
  } catch (const std::exception& e) {
    return {false, e.what(), 0};
  }
}

Outcome DualDatabase::run_official(const Sql& statement) {
  try {
    auto prepared = official_->prepare(statement.text);
    prepared.bind_all(statement.params);
    prepared.run();
    return {true, {}, official_->changes()};
  } catch (const std::exception& e) {
    return {false, e.what(), 0};
  }
}

void DualDatabase::compare_outcomes(const std::string& context, const Outcome& ours, const Outcome& official) {
  if (ours.ok != official.ok) {
    outcome_differences_.push_back(context + ": ours " + (ours.ok ? "succeeded" : "failed (" + ours.error + ")") +
                                   ", official " +
                                   (official.ok ? "succeeded" : "failed (" + official.error + ")"));
  } else if (ours.ok && ours.rows_affected != official.rows_affected) {
    // Not a storage difference: sqlite3_changes() leaves out rows written by INSTEAD OF
    // triggers, so the official SDKs report 0 for writes through views; ours may count them.
    outcome_notes_.push_back(context + ": rows affected ours " + std::to_string(ours.rows_affected) +
                             ", official sqlite3_changes() " + std::to_string(official.rows_affected));
  }
}

void DualDatabase::execute(const std::string& sql, const Params& params) {
  Sql statement{sql, params};
  compare_outcomes(sql, run_ours(statement, nullptr), run_official(statement));
}

void DualDatabase::transaction(const std::vector<Sql>& statements, TxEnd end) {
  std::unique_ptr<Transaction> tx;
  Outcome ours_begin;
  try {
    tx = ours_->begin_write();
  } catch (const std::exception& e) {
    ours_begin = {false, e.what(), 0};
  }
  Outcome official_begin = run_official({"BEGIN IMMEDIATE", {}});
  compare_outcomes("BEGIN IMMEDIATE", ours_begin, official_begin);
  if (!tx || !official_begin.ok) {
    if (official_begin.ok) run_official({"ROLLBACK", {}});
    return;
  }

  for (const auto& statement : statements) {
    compare_outcomes("in transaction: " + statement.text, run_ours(statement, tx.get()), run_official(statement));
  }

  const char* finish = end == TxEnd::commit ? "COMMIT" : "ROLLBACK";
  Outcome ours_end;
  try {
    if (end == TxEnd::commit) {
      tx->commit();
    } else {
      tx->rollback();
    }
  } catch (const std::exception& e) {
    ours_end = {false, e.what(), 0};
  }
  Outcome official_end = run_official({finish, {}});
  official_end.rows_affected = ours_end.rows_affected = 0;
  compare_outcomes(finish, ours_end, official_end);
}

void DualDatabase::update_schema(const Schema& schema) {
  Outcome ours_outcome;
  try {
    ours_->update_schema(schema);
  } catch (const std::exception& e) {
    ours_outcome = {false, e.what(), 0};
  }
  Outcome official_outcome;
  try {
    official_replace_schema(*official_, schema_to_json(schema));
  } catch (const std::exception& e) {
    official_outcome = {false, e.what(), 0};
  }
  compare_outcomes("update_schema", ours_outcome, official_outcome);
  schema_ = schema;
}

Rows DualDatabase::ours(const std::string& sql, const Params& params) {
  return to_rows(ours_->get_all(sql, params));
}

Rows DualDatabase::official(const std::string& sql, const Params& params) {
  auto statement = official_->prepare(sql);
  statement.bind_all(params);
  Rows rows;
  for (int c = 0; c < statement.column_count(); ++c) rows.columns.push_back(statement.column_name(c));
  while (statement.step()) {
    std::vector<Value> row;
    for (int c = 0; c < statement.column_count(); ++c) row.push_back(statement.column_value(c));
    rows.rows.push_back(std::move(row));
  }
  return rows;
}

void DualDatabase::compare_rows(const std::string& what, const std::string& sql, std::vector<std::string>& out,
                                const std::vector<std::size_t>& json_columns) {
  Rows a, b;
  std::string error_a, error_b;
  try {
    a = ours(sql);
  } catch (const std::exception& e) {
    error_a = e.what();
  }
  try {
    b = official(sql);
  } catch (const std::exception& e) {
    error_b = e.what();
  }
  if (!error_a.empty() || !error_b.empty()) {
    if (error_a.empty() || error_b.empty()) {
      out.push_back(what + ": query failed on " + (error_a.empty() ? "official (" + error_b : "ours (" + error_a) +
                    ") but not on the other side");
    }
    return;
  }
  if (a.columns != b.columns) {
    out.push_back(what + ": columns ours [" + join(a.columns) + "], official [" + join(b.columns) + "]");
    return;
  }
  if (a.rows.size() != b.rows.size()) {
    out.push_back(what + ": " + std::to_string(a.rows.size()) + " rows ours, " + std::to_string(b.rows.size()) +
                  " official");
  }
  const std::set<std::size_t> json(json_columns.begin(), json_columns.end());
  std::size_t reported = 0, skipped = 0;
  const std::size_t shared_rows = std::min(a.rows.size(), b.rows.size());
  for (std::size_t r = 0; r < shared_rows; ++r) {
    for (std::size_t c = 0; c < a.columns.size(); ++c) {
      const Value& x = a.rows[r][c];
      const Value& y = b.rows[r][c];
      std::string where = what + " row " + std::to_string(r) + " column " + a.columns[c];
      bool equal = x == y;
      if (!equal && json.count(c) && type_of(x) == ValueType::text && type_of(y) == ValueType::text) {
        if (test::same_json(std::get<std::string>(x), std::get<std::string>(y))) {
          equal = true;
          notes_.push_back(where + ": same JSON, different text: ours " + describe(x) + ", official " +
                                    describe(y));
        }
      }
      if (equal) continue;
      if (reported++ < kMaxReportedPerTable) {
        out.push_back(where + ": ours " + describe(x) + ", official " + describe(y));
      } else {
        ++skipped;
      }
    }
  }
  for (std::size_t r = shared_rows; r < std::max(a.rows.size(), b.rows.size()); ++r) {
    const auto& row = r < a.rows.size() ? a.rows[r] : b.rows[r];
    std::vector<std::string> cells;
    for (const auto& cell : row) cells.push_back(describe(cell));
    if (reported++ < kMaxReportedPerTable) {
      out.push_back(what + " row " + std::to_string(r) + " only in " + (r < a.rows.size() ? "ours" : "official") +
                    ": " + join(cells));
    } else {
      ++skipped;
    }
  }
  if (skipped) out.push_back(what + ": " + std::to_string(skipped) + " more differences");
}

std::vector<std::string> DualDatabase::state_differences() {
  notes_ = outcome_notes_;
  std::vector<std::string> out = outcome_differences_;
  for (const auto& table : schema_.tables) {
    compare_rows("view " + table.view_name(), "SELECT * FROM " + quoted(table.view_name()) + " ORDER BY id", out);
    compare_rows(table.internal_name(), "SELECT id, data FROM " + quoted(table.internal_name()) + " ORDER BY id", out,
                 {1});
  }
  compare_rows("ps_crud", "SELECT id, tx_id, data FROM ps_crud ORDER BY id", out, {2});
  compare_rows("ps_updated_rows", "SELECT row_type, row_id FROM ps_updated_rows ORDER BY row_type, row_id", out);
  compare_rows("ps_kv", "SELECT key, value FROM ps_kv WHERE key <> 'client_id' ORDER BY key", out);
  compare_rows("ps_tx", "SELECT * FROM ps_tx ORDER BY id", out);
  compare_rows("ps_buckets", "SELECT * FROM ps_buckets ORDER BY name", out);
  compare_rows("ps_untyped", "SELECT type, id, data FROM ps_untyped ORDER BY type, id", out, {2});
  return out;
}

std::vector<std::string> DualDatabase::schema_sql_differences() {
  std::vector<std::string> out;
  compare_rows("sqlite_master",
               "SELECT type, name, tbl_name, sql FROM sqlite_master "
               "WHERE type IN ('view', 'trigger') OR name GLOB 'ps_data_*' ORDER BY type, name",
               out);
  return out;
}

std::vector<std::string> DualDatabase::internal_schema_differences() {
  std::vector<std::string> out;
  const std::string internal_filter = "name GLOB 'ps_*' AND NOT name GLOB 'ps_data_*'";
  compare_rows("internal object names",
               "SELECT type, name, tbl_name FROM sqlite_master WHERE " + internal_filter + " ORDER BY type, name", out);
  compare_rows("internal indexes, views and triggers",
               "SELECT type, name, sql FROM sqlite_master WHERE type <> 'table' AND " + internal_filter +
                   " ORDER BY type, name",
               out);
  // Tables are compared by structure: the official text carries the ALTER TABLE history of
  // its migrations, which a fresh CREATE TABLE need not repeat.
  for (const auto& row : official("SELECT name FROM sqlite_master WHERE type = 'table' AND " + internal_filter +
                                  " ORDER BY name")
                             .rows) {
    const std::string name = std::get<std::string>(row.at(0));
    compare_rows("columns of " + name, "SELECT * FROM pragma_table_xinfo(" + quoted_literal(name) + ")", out);
    compare_rows("kind of " + name,
                 "SELECT type, ncol, wr, strict FROM pragma_table_list WHERE name = " + quoted_literal(name), out);
    std::vector<std::string> text_differences;
    compare_rows("CREATE TABLE text of " + name,
                 "SELECT sql FROM sqlite_master WHERE name = " + quoted_literal(name), text_differences);
    for (auto& note : text_differences) notes_.push_back("equivalent table, different SQL text: " + note);
  }
  compare_rows("ps_migration", "SELECT id FROM ps_migration ORDER BY id", out);
  return out;
}

}  // namespace powersync::conformance
