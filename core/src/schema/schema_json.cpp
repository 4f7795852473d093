// The schema's JSON form: the one the official SDKs pass to powersync_replace_schema.

#include <nlohmann/json.hpp>

#include <cctype>

#include "powersync/schema/schema.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& what) { throw_invalid_argument("Invalid schema: " + what); }

std::string quote_name(std::string_view name) { return "\"" + std::string(name) + "\""; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Returns the member or nullptr when it is absent.
const json* find_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string require_string(const json& object, const char* key, const std::string& context) {
  const json* value = find_member(object, key);
  if (value == nullptr || !value->is_string()) fail(context + ": \"" + key + "\" must be a string");
  return value->get<std::string>();
}

// Flags are booleans; like the official SDKs we treat an explicit null as false.
bool optional_flag(const json& object, const char* key, const std::string& context) {
  const json* value = find_member(object, key);
  if (value == nullptr || value->is_null()) return false;
  if (!value->is_boolean()) fail(context + ": \"" + key + "\" must be a boolean");
  return value->get<bool>();
}

ColumnType parse_column_type(const json& object, const std::string& context) {
  const std::string type = require_string(object, "type", context);
  for (ColumnType candidate : {ColumnType::text, ColumnType::integer, ColumnType::real}) {
    if (equals_ignoring_case(type, to_string(candidate))) return candidate;
  }
  fail(context + ": unknown column type " + quote_name(type) + " (expected text, integer or real)");
}

const json& require_array(const json& object, const char* key, const std::string& context) {
  const json* value = find_member(object, key);
  if (value == nullptr || !value->is_array()) fail(context + ": \"" + key + "\" must be an array");
  return *value;
}

const json& require_object(const json& value, const std::string& context) {
  if (!value.is_object()) fail(context + " must be an object");
  return value;
}

Column parse_column(const json& value, const std::string& table_context, std::size_t position) {
  const std::string position_context = table_context + ": column #" + std::to_string(position + 1);
  require_object(value, position_context);
  Column column;
  column.name = require_string(value, "name", position_context);
  column.type = parse_column_type(value, table_context + ": column " + quote_name(column.name));
  return column;
}

IndexedColumn parse_indexed_column(const json& value, const Table& table, const std::string& index_context,
                                   std::size_t position) {
  const std::string position_context = index_context + ": column #" + std::to_string(position + 1);
  require_object(value, position_context);
  IndexedColumn column;
  column.name = require_string(value, "name", position_context);
  const std::string context = index_context + ": column " + quote_name(column.name);
  const json* ascending = find_member(value, "ascending");
  if (ascending != nullptr && !ascending->is_null()) {
    if (!ascending->is_boolean()) fail(context + ": \"ascending\" must be a boolean");
    column.ascending = ascending->get<bool>();
  }
  const json* type = find_member(value, "type");
  if (type != nullptr && !type->is_null()) {
    column.type = parse_column_type(value, context);
  } else {
    // The official SDKs always send the type; be lenient and take the column's.
    for (const Column& candidate : table.columns) {
      if (candidate.name == column.name) column.type = candidate.type;
    }
  }
  return column;
}

Index parse_index(const json& value, const Table& table, const std::string& table_context, std::size_t position) {
  require_object(value, table_context + ": index #" + std::to_string(position + 1));
  Index index;
  index.name = require_string(value, "name", table_context + ": index #" + std::to_string(position + 1));
  const std::string context = table_context + ": index " + quote_name(index.name);
  const json& columns = require_array(value, "columns", context);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    index.columns.push_back(parse_indexed_column(columns[i], table, context, i));
  }
  return index;
}

TrackPreviousValues parse_include_old(const json& object, const std::string& context) {
  TrackPreviousValues track;
  // Kept even without include_old: the official core passes this flag to ps_crud as is.
  track.only_when_changed = optional_flag(object, "include_old_only_when_changed", context);
  const json* value = find_member(object, "include_old");
  if (value == nullptr || value->is_null()) return track;
  if (value->is_boolean()) {
    track.enabled = value->get<bool>();
    return track;
  }
  if (!value->is_array()) fail(context + ": \"include_old\" must be a boolean or an array of column names");
  // Our model reads an empty list as "all columns"; the closest to the official meaning of []
  // (old values of no column) is not tracking old values at all.
  track.enabled = !value->empty();
  for (const json& name : *value) {
    if (!name.is_string()) fail(context + ": \"include_old\" must be a boolean or an array of column names");
    track.columns.push_back(name.get<std::string>());
  }
  return track;
}

Table parse_table(const json& value, std::size_t position) {
  const std::string position_context = "table #" + std::to_string(position + 1);
  require_object(value, position_context);
  Table table;
  table.name = require_string(value, "name", position_context);
  const std::string context = "table " + quote_name(table.name);

  if (const json* view_name = find_member(value, "view_name"); view_name != nullptr && !view_name->is_null()) {
    if (!view_name->is_string()) fail(context + ": \"view_name\" must be a string");
    table.view_name_override = view_name->get<std::string>();
  }

  const json& columns = require_array(value, "columns", context);
  for (std::size_t i = 0; i < columns.size(); ++i) table.columns.push_back(parse_column(columns[i], context, i));

  if (const json* indexes = find_member(value, "indexes"); indexes != nullptr && !indexes->is_null()) {
    if (!indexes->is_array()) fail(context + ": \"indexes\" must be an array");
    for (std::size_t i = 0; i < indexes->size(); ++i) {
      table.indexes.push_back(parse_index((*indexes)[i], table, context, i));
    }
  }

  table.local_only = optional_flag(value, "local_only", context);
  table.insert_only = optional_flag(value, "insert_only", context);
  table.track_metadata = optional_flag(value, "include_metadata", context);
  table.ignore_empty_updates = optional_flag(value, "ignore_empty_update", context);
  table.track_previous = parse_include_old(value, context);
  return table;
}

ordered_json table_to_json(const Table& table) {
  ordered_json out = ordered_json::object();
  out["name"] = table.name;
  if (table.view_name_override) out["view_name"] = *table.view_name_override;

  ordered_json columns = ordered_json::array();
  for (const Column& column : table.columns) {
    columns.push_back({{"name", column.name}, {"type", to_string(column.type)}});
  }
  out["columns"] = std::move(columns);

  ordered_json indexes = ordered_json::array();
  for (const Index& index : table.indexes) {
    ordered_json indexed_columns = ordered_json::array();
    for (const IndexedColumn& column : index.columns) {
      indexed_columns.push_back(
          {{"name", column.name}, {"ascending", column.ascending}, {"type", to_string(column.type)}});
    }
    indexes.push_back({{"name", index.name}, {"columns", std::move(indexed_columns)}});
  }
  out["indexes"] = std::move(indexes);

  out["local_only"] = table.local_only;
  out["insert_only"] = table.insert_only;
  out["include_metadata"] = table.track_metadata;
  if (!table.track_previous.enabled) {
    out["include_old"] = false;
  } else if (table.track_previous.columns.empty()) {
    out["include_old"] = true;
  } else {
    out["include_old"] = table.track_previous.columns;
  }
  out["include_old_only_when_changed"] = table.track_previous.only_when_changed;
  out["ignore_empty_update"] = table.ignore_empty_updates;
  return out;
}

}  // namespace

Schema parse_schema_json(std::string_view text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {
    fail(std::string("not valid JSON: ") + error.what());
  }
  if (!document.is_object()) fail("the schema must be a JSON object");

  const json& tables = require_array(document, "tables", "the schema");
  if (const json* raw = find_member(document, "raw_tables"); raw != nullptr && !raw->is_null()) {
    if (!raw->is_array()) fail("\"raw_tables\" must be an array");
    // Raw tables are a separate feature of the official core that we do not implement yet.
    if (!raw->empty()) fail("raw tables are not supported");
  }

  Schema schema;
  for (std::size_t i = 0; i < tables.size(); ++i) schema.tables.push_back(parse_table(tables[i], i));
  validate_schema(schema);
  return schema;
}

std::string schema_to_json(const Schema& schema) {
  ordered_json tables = ordered_json::array();
  for (const Table& table : schema.tables) tables.push_back(table_to_json(table));
  ordered_json out = ordered_json::object();
  out["tables"] = std::move(tables);
  // Parsed schemas are valid UTF-8; a schema built in C++ must not make this throw.
  return out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace powersync
