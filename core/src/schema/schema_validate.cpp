// Schema checks: the rules of the official SDKs' Table.validate() plus the collisions SQLite
// itself would reject later with a less helpful message (it compares names case-insensitively).

#include <cctype>
#include <set>
#include <string>

#include "powersync/schema/schema.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

[[noreturn]] void fail(const std::string& what) { throw_invalid_argument("Invalid schema: " + what); }

std::string quote_name(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string folded(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The official SDKs reject ["'%,.#\s[\]] in names; control characters cannot be meant either.
bool is_invalid_name_character(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7f || std::isspace(byte)) return true;
  switch (c) {
    case '"':
    case '\'':
    case '%':
    case ',':
    case '.':
    case '#':
    case '[':
    case ']':
      return true;
    default:
      return false;
  }
}

void check_name(std::string_view name, const std::string& context, const char* what) {
  if (name.empty()) fail(context + ": " + what + " must not be empty");
  for (char c : name) {
    if (is_invalid_name_character(c)) fail(context + ": invalid characters in " + what + " " + quote_name(name));
  }
}

// Inserts a case-folded name; false if it was present already.
bool insert_unique(std::set<std::string>& seen, std::string_view name) { return seen.insert(folded(name)).second; }

void validate_columns(const Table& table, const std::string& context) {
  if (table.columns.size() > kMaxColumns) {
    fail(context + ": " + std::to_string(table.columns.size()) + " columns, more than the maximum of " +
         std::to_string(kMaxColumns));
  }
  std::set<std::string> seen;
  for (const Column& column : table.columns) {
    check_name(column.name, context, "column name");
    const std::string column_context = context + ": column " + quote_name(column.name);
    if (folded(column.name) == "id") {
      fail(column_context + " is reserved (an id column is added automatically)");
    }
    if (!insert_unique(seen, column.name)) fail(column_context + " is defined more than once");
  }
}

bool has_column(const Table& table, std::string_view name) {
  if (name == "id") return true;
  for (const Column& column : table.columns) {
    if (column.name == name) return true;
  }
  return false;
}

void validate_indexes(const Table& table, const std::string& context, std::set<std::string>& index_names) {
  std::set<std::string> seen;
  for (const Index& index : table.indexes) {
    check_name(index.name, context, "index name");
    const std::string index_context = context + ": index " + quote_name(index.name);
    if (!insert_unique(seen, index.name)) fail(index_context + " is defined more than once");
    if (!insert_unique(index_names, table.internal_name() + "__" + index.name)) {
      fail(index_context + " has the same internal name as an index of another table");
    }
    if (index.columns.empty()) fail(index_context + " has no columns");
    for (const IndexedColumn& column : index.columns) {
      // The index reads data->'$.<name>', which is case-sensitive: the name must match exactly.
      if (!has_column(table, column.name)) fail(index_context + ": column " + quote_name(column.name) + " not found");
    }
  }
}

void validate_options(const Table& table, const std::string& context) {
  if (table.local_only && table.track_metadata) fail(context + ": local-only tables can't include metadata");
  if (table.local_only && table.track_previous.enabled) fail(context + ": local-only tables can't include old values");
  for (const std::string& name : table.track_previous.columns) {
    if (!has_column(table, name) || name == "id") {
      fail(context + ": include_old column " + quote_name(name) + " not found");
    }
  }
}

}  // namespace

void validate_schema(const Schema& schema) {
  std::set<std::string> table_names;
  std::set<std::string> view_names;
  std::set<std::string> index_names;
  for (const Table& table : schema.tables) {
    const std::string context = "table " + quote_name(table.name);
    check_name(table.name, context, "table name");
    if (table.view_name_override) check_name(*table.view_name_override, context, "view name");
    if (!insert_unique(table_names, table.name)) fail(context + " is defined more than once");
    if (!insert_unique(view_names, table.view_name())) {
      fail(context + ": view name " + quote_name(table.view_name()) + " is used by another table");
    }
    validate_columns(table, context);
    validate_indexes(table, context, index_names);
    validate_options(table, context);
  }
}

}  // namespace powersync
