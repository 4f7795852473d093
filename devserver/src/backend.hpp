#pragma once
// The backend database: a SQLite file the developer's app (and any other process) writes to.
// The devserver installs triggers that log every insert/update/delete of a synced table into a
// change-log table, and replicates by polling that log.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync::devserver {

inline constexpr const char* kChangeLogTable = "_powersync_devserver_changes";

struct ChangeRecord {
  std::int64_t seq = 0;
  std::string table;
  Value row_id;
};

struct BackendRow {
  std::vector<std::string> columns;
  std::vector<Value> values;
  const Value* find(std::string_view column) const;
};

class Backend {
 public:
  explicit Backend(const std::filesystem::path& path);

  // Creates the demo schema in a database without tables (if asked), the change log, and the
  // capture triggers for `tables` (each must exist and have an `id` column).
  void prepare(bool demo_schema, const std::vector<std::string>& tables);

  std::vector<ChangeRecord> changes_after(std::int64_t seq, int limit);
  std::int64_t last_change_seq();
  void forget_changes_through(std::int64_t seq);

  std::optional<BackendRow> read_row(const std::string& table, const Value& id);
  std::vector<Value> all_ids(const std::string& table);
  std::vector<std::string> table_columns(const std::string& table);
  // Column names with their declared types ("" when none), in table order.
  std::vector<std::pair<std::string, std::string>> table_column_types(const std::string& table);

  Connection& connection() { return connection_; }

 private:
  Connection connection_;
};

// SQL text for an identifier in double quotes.
std::string quote_identifier(std::string_view name);

}  // namespace powersync::devserver
