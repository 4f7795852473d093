// SQL text of a table's view, INSTEAD OF triggers and indexes. Every byte follows the official
// core (views.rs, utils/sql_buffer.rs, schema/management.rs): replace_schema compares the text
// stored in sqlite_master with the text it would generate, so any difference in spacing
// makes the other implementation drop and re-create the object.

#include "powersync/schema/schema_sql.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "schema/schema_sql_spelling.hpp"

namespace powersync {

using schema_detail::TypeSpelling;

namespace {

enum class WriteOp { put, patch, remove };

const char* op_name(WriteOp op) {
  switch (op) {
    case WriteOp::put:
      return "PUT";
    case WriteOp::patch:
      return "PATCH";
    case WriteOp::remove:
      return "DELETE";
  }
  return "PUT";
}

// insert_only has no effect on local-only tables (the official core ignores it there).
bool effective_insert_only(const Table& table) { return table.insert_only && !table.local_only; }

// The bit set the official core passes to ps_crud as "options" on updates.
int table_flags(const Table& table) {
  return (table.local_only ? 1 : 0) | (table.insert_only ? 2 : 0) | (table.track_metadata ? 4 : 0) |
         (table.track_previous.only_when_changed ? 8 : 0) | (table.ignore_empty_updates ? 16 : 0);
}


std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string type_name(ColumnType type, TypeSpelling spelling) {
  std::string name(to_string(type));
  if (spelling == TypeSpelling::upper) {
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string extract_and_cast(std::string_view column, ColumnType type, TypeSpelling spelling) {
  return "CAST(json_extract(data, " + quote_string("$." + std::string(column)) + ") as " + type_name(type, spelling) +
         ")";
}

// json_object('a', powersync_strip_subtype(NEW."a"), ...) over the table's columns (or those in
// `filter`). SQLite's default limit of 100 function arguments allows 50 pairs per call; larger
// objects are built in chunks and merged, as the official core does.
std::string json_object_fragment(std::string_view prefix, const Table& table, const std::vector<std::string>* filter) {
  constexpr std::size_t kMaxPairsPerCall = 50;
  std::vector<std::string> calls;
  std::string current = "json_object(";
  std::size_t pairs = 0;
  for (const Column& column : table.columns) {
    if (filter != nullptr && std::find(filter->begin(), filter->end(), column.name) == filter->end()) continue;
    if (pairs == kMaxPairsPerCall) {
      calls.push_back(current + ")");
      current = "json_object(";
      pairs = 0;
    }
    if (pairs != 0) current += ", ";
    // Strip the subtype so a text value produced by a JSON function stays a string.
    current += quote_string(column.name) + ", powersync_strip_subtype(" + std::string(prefix) + "." +
               quote_identifier(column.name) + ")";
    ++pairs;
  }
  current += ")";
  if (calls.empty()) return current;
  calls.push_back(std::move(current));
  return "powersync_json_merge(" + join(calls, ", ") + ")";
}

std::optional<std::string> old_values_sql(const Table& table, WriteOp op) {
  if (op == WriteOp::put || !table.track_previous.enabled) return std::nullopt;
  const std::vector<std::string>* filter = table.track_previous.columns.empty() ? nullptr : &table.track_previous.columns;
  std::string old_values = json_object_fragment("OLD", table, filter);
  if (op == WriteOp::patch && table.track_previous.only_when_changed) {
    return "json(powersync_diff(" + json_object_fragment("NEW", table, filter) + ", " + old_values + "))";
  }
  return old_values;
}

struct CrudWrite {
  WriteOp op;
  std::string_view id_expression;
  std::optional<std::string> data;
  std::optional<std::string> metadata;
};

std::string insert_into_crud(const Table& table, const CrudWrite& write) {
  const std::optional<std::string> old_values = old_values_sql(table, write.op);
  // Only updates pass options: ps_crud uses them to skip empty updates.
  const bool with_options = write.op == WriteOp::patch;

  std::string sql = "INSERT INTO powersync_crud(op,id,type";
  if (write.data) sql += ",data";
  if (old_values) sql += ",old_values";
  if (write.metadata) sql += ",metadata";
  if (with_options) sql += ",options";
  sql += ") VALUES (" + quote_string(op_name(write.op)) + ", " + std::string(write.id_expression) + ", " +
         quote_string(table.name);
  if (write.data) sql += ", " + *write.data;
  if (old_values) sql += ", " + *old_values;
  if (write.metadata) sql += ", " + *write.metadata;
  if (with_options) sql += ", " + std::to_string(table_flags(table));
  sql += ");\n";
  return sql;
}

std::string trigger_head(std::string_view prefix, const Table& table, std::string_view event) {
  return "CREATE TRIGGER " + quote_identifier(std::string(prefix) + table.view_name()) + " INSTEAD OF " +
         std::string(event) + " ON " + quote_identifier(table.view_name()) + " FOR EACH ROW ";
}

std::optional<std::string> metadata_expression(const Table& table) {
  return table.track_metadata ? std::optional<std::string>("NEW._metadata") : std::nullopt;
}

}  // namespace

std::string view_sql(const Table& table) { return schema_detail::view_sql(table, TypeSpelling::lower); }

std::string schema_detail::view_sql(const Table& table, TypeSpelling spelling) {
  std::vector<std::string> names{quote_identifier("id")};
  std::vector<std::string> values{"id"};
  for (const Column& column : table.columns) {
    names.push_back(quote_identifier(column.name));
    values.push_back(extract_and_cast(column.name, column.type, spelling));
  }
  if (table.track_metadata) {
    names.push_back(quote_identifier("_metadata"));
    names.push_back(quote_identifier("_deleted"));
    values.emplace_back("NULL");
    values.emplace_back("NULL");
  }
  return "CREATE VIEW " + quote_identifier(table.view_name()) + "(" + join(names, ", ") + ") AS SELECT " +
         join(values, ", ") + " FROM " + quote_identifier(table.internal_name()) + " -- powersync-auto-generated";
}

std::string insert_trigger_sql(const Table& table) {
  std::string sql = trigger_head("ps_view_insert_", table, "INSERT") + "BEGIN\n";
  if (!table.local_only) {
    sql += "SELECT CASE WHEN (NEW.id IS NULL) THEN RAISE (FAIL, 'id is required') WHEN (typeof(NEW.id) != 'text') "
           "THEN RAISE (FAIL, 'id should be text') END;\n";
  }
  const std::string values = json_object_fragment("NEW", table, nullptr);
  if (effective_insert_only(table)) {
    // Insert-only rows go straight to the upload queue, never into a ps_data table, so they do
    // not hold back downloads the way pending powersync_crud writes do.
    sql += "INSERT INTO powersync_crud_(data) VALUES(json_object('op', 'PUT', 'type', " + quote_string(table.name) +
           ", 'id', NEW.id, 'data', json(powersync_diff('{}', " + values + "))));";
  } else {
    sql += "INSERT INTO " + quote_identifier(table.internal_name()) + " SELECT NEW.id, " + values + ";\n";
    if (!table.local_only) {
      sql += insert_into_crud(table, {WriteOp::put, "NEW.id", "json(powersync_diff('{}', " + values + "))",
                                      metadata_expression(table)});
    }
  }
  return sql + "END";
}

std::string update_trigger_sql(const Table& table) {
  if (effective_insert_only(table)) return {};
  std::string sql = trigger_head("ps_view_update_", table, "UPDATE");
  // With metadata, UPDATE ... SET _deleted = TRUE is a delete (see delete_trigger_sql).
  if (table.track_metadata) sql += " WHEN NEW._deleted IS NOT TRUE ";
  sql += "BEGIN\n";
  sql += "SELECT CASE WHEN (OLD.id != NEW.id) THEN RAISE (FAIL, 'Cannot update id') END;\n";
  const std::string new_values = json_object_fragment("NEW", table, nullptr);
  const std::string old_values = json_object_fragment("OLD", table, nullptr);
  sql += "UPDATE " + quote_identifier(table.internal_name()) + " SET data = " + new_values + " WHERE id = NEW.id;\n";
  if (!table.local_only) {
    sql += insert_into_crud(table, {WriteOp::patch, "NEW.id",
                                    "json(powersync_diff(" + old_values + ", " + new_values + "))",
                                    metadata_expression(table)});
  }
  return sql + "END";
}

std::string delete_trigger_sql(const Table& table) {
  if (effective_insert_only(table)) return {};
  const std::string internal = quote_identifier(table.internal_name());
  std::string sql = trigger_head("ps_view_delete_", table, "DELETE") + "BEGIN\n";
  sql += "DELETE FROM " + internal + " WHERE id = OLD.id;\n";
  if (!table.local_only) {
    sql += insert_into_crud(table, {WriteOp::remove, "OLD.id", std::nullopt, std::nullopt});
    if (table.track_metadata) {
      // A DELETE statement cannot carry metadata, so a second trigger turns
      // UPDATE ... SET _deleted = TRUE, _metadata = ... into the delete.
      sql += "END;\n";
      sql += trigger_head("ps_view_delete2_", table, "UPDATE") + "WHEN NEW._deleted IS TRUE BEGIN DELETE FROM " +
             internal + " WHERE id = OLD.id; ";
      sql += insert_into_crud(table, {WriteOp::remove, "OLD.id", std::nullopt, std::string("NEW._metadata")});
    }
  }
  return sql + "END";
}

std::string index_sql(const Table& table, const Index& index) {
  return schema_detail::index_sql(table, index, TypeSpelling::lower);
}

std::string schema_detail::index_sql(const Table& table, const Index& index, TypeSpelling spelling) {
  const std::string internal = table.internal_name();
  std::vector<std::string> columns;
  for (const IndexedColumn& column : index.columns) {
    columns.push_back(extract_and_cast(column.name, column.type, spelling) + (column.ascending ? "" : " DESC"));
  }
  return "CREATE INDEX " + quote_identifier(internal + "__" + index.name) + " ON " + quote_identifier(internal) + "(" +
         join(columns, ", ") + ")";
}

}  // namespace powersync
