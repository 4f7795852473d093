#pragma once
// The app's schema: tables whose rows live as JSON in ps_data__<name> behind a view.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace powersync {

enum class ColumnType { text, integer, real };

std::string_view to_string(ColumnType type) noexcept;

struct Column {
  std::string name;
  ColumnType type = ColumnType::text;
};

struct IndexedColumn {
  std::string name;
  bool ascending = true;
  ColumnType type = ColumnType::text;
};

struct Index {
  std::string name;
  std::vector<IndexedColumn> columns;
};

// include_old: nothing, every column, or the listed columns.
struct TrackPreviousValues {
  bool enabled = false;
  std::vector<std::string> columns;  // empty with enabled = all columns
  bool only_when_changed = false;
};

struct Table {
  std::string name;
  std::optional<std::string> view_name_override;
  std::vector<Column> columns;
  std::vector<Index> indexes;
  bool local_only = false;
  bool insert_only = false;
  bool track_metadata = false;       // "include_metadata"
  TrackPreviousValues track_previous;  // "include_old" (+ "include_old_only_when_changed")
  bool ignore_empty_updates = false;

  const std::string& view_name() const noexcept { return view_name_override ? *view_name_override : name; }
  std::string internal_name() const;  // ps_data__<name> or ps_data_local__<name>
};

struct Schema {
  std::vector<Table> tables;
};

// Maximum user columns per table (SQLite's column limit minus id and the metadata columns).
inline constexpr std::size_t kMaxColumns = 1999;

// Parses the official JSON form (see powersync.h) and validates it.
// Throws Error(invalid_argument) naming the table/column at fault.
Schema parse_schema_json(std::string_view json);
// Canonical JSON of a schema, accepted by parse_schema_json and the official core.
std::string schema_to_json(const Schema& schema);
// Throws Error(invalid_argument) for invalid or duplicate names, a column named id, too many
// columns, indexes on unknown columns.
void validate_schema(const Schema& schema);

}  // namespace powersync
