#pragma once
// The differential fixture: our engine and the official core, opened with the same schema,
// fed the same statements, and compared table by table.

#include <memory>
#include <string>
#include <vector>

#include "powersync/util/error.hpp"  // before database.hpp, which uses Error without including it
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/storage/value.hpp"

namespace powersync::conformance {

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

struct Sql {
  std::string text;
  Params params;
};

enum class TxEnd { commit, rollback };

// Result of one statement on one side.
struct Outcome {
  bool ok = true;
  std::string error;
  std::int64_t rows_affected = 0;
};

class DualDatabase {
 public:
  // In-memory databases, or with `directory` two files in it (ours.db, official.db).
  explicit DualDatabase(const Schema& schema, const std::string& directory = {});
  ~DualDatabase();

  // One statement in autocommit mode on both sides.
  void execute(const std::string& sql, const Params& params = {});
  // BEGIN IMMEDIATE, the statements, then COMMIT or ROLLBACK, on both sides.
  void transaction(const std::vector<Sql>& statements, TxEnd end = TxEnd::commit);
  // Our update_schema against the official powersync_replace_schema.
  void update_schema(const Schema& schema);

  // Read queries on either side (ours through the façade's reader).
  Rows ours(const std::string& sql, const Params& params = {});
  Rows official(const std::string& sql, const Params& params = {});

  // Every difference in statement outcomes so far and in the current stored state: views,
  // ps_data tables, ps_crud (JSON compared by meaning), ps_updated_rows, ps_kv (but the
  // client id), ps_tx, ps_buckets, ps_untyped. Empty when both sides agree.
  std::vector<std::string> state_differences();
  // Differences in the SQL text of the schema's views, triggers and indexes in sqlite_master.
  std::vector<std::string> schema_sql_differences();
  // Differences in the definitions of the internal ps_* tables and their indexes.
  std::vector<std::string> internal_schema_differences();
  // Differences that are not failures: JSON texts equal in meaning (key order, spacing),
  // CREATE TABLE statements of internal tables with the same structure, and rows-affected
  // counts of writes through views (see compare_outcomes).
  const std::vector<std::string>& notes() const noexcept { return notes_; }

  const Schema& schema() const noexcept { return schema_; }
  Database& our_database() { return *ours_; }
  Connection& official_connection() { return *official_; }

 private:
  Outcome run_ours(const Sql& statement, Transaction* tx);
  Outcome run_official(const Sql& statement);
  void compare_outcomes(const std::string& context, const Outcome& ours, const Outcome& official);
  void compare_rows(const std::string& what, const std::string& sql, std::vector<std::string>& out,
                    const std::vector<std::size_t>& json_columns = {});

  Schema schema_;
  std::shared_ptr<Database> ours_;
  std::unique_ptr<Connection> official_;
  std::vector<std::string> outcome_differences_;
  std::vector<std::string> outcome_notes_;
  std::vector<std::string> notes_;
};

// Human-readable form of a cell, with its type: 1, 1.0 (real), 'text', x'00ff', NULL.
std::string describe(const Value& value);

}  // namespace powersync::conformance
