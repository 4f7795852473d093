#include "backend.hpp"

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

constexpr const char* kDemoSchema = R"sql(
CREATE TABLE lists (
  id TEXT PRIMARY KEY NOT NULL,
  created_at TEXT,
  name TEXT,
  owner_id TEXT
);
CREATE TABLE todos (
  id TEXT PRIMARY KEY NOT NULL,
  created_at TEXT,
  completed_at TEXT,
  description TEXT,
  completed INTEGER,
  created_by TEXT,
  completed_by TEXT,
  list_id TEXT
);
)sql";

std::string sql_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

const Value* BackendRow::find(std::string_view column) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == column) return &values[i];
  return nullptr;
}

Backend::Backend(const std::filesystem::path& path) : connection_(ConnectionOptions{.path = path.string()}) {}

void Backend::prepare(bool demo_schema, const std::vector<std::string>& tables) {
  TransactionGuard tx(connection_);
  if (demo_schema) {
    auto count = connection_.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ?");
    count.bind_text(1, kChangeLogTable);
    count.step();
    if (count.column_int64(0) == 0) connection_.exec(kDemoSchema);
  }
  // No column type: row ids keep the type they have in the source table.
  connection_.exec(std::string("CREATE TABLE IF NOT EXISTS ") + kChangeLogTable +
                   " (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_id)");
  for (const auto& table : tables) {
    auto columns = table_columns(table);
    if (columns.empty()) throw_invalid_argument("backend database has no table '" + table + "'");
    bool has_id = false;
    for (const auto& c : columns) has_id = has_id || c == "id";
    if (!has_id) throw_invalid_argument("backend table '" + table + "' has no id column");
    std::string log = std::string("INSERT INTO ") + kChangeLogTable + " (tbl, row_id) ";
    std::string prefix = "CREATE TRIGGER IF NOT EXISTS " + quote_identifier("_powersync_devserver_" + table);
    std::string on = " ON " + quote_identifier(table) + " BEGIN ";
    connection_.exec(prefix.substr(0, prefix.size() - 1) + "_insert\" AFTER INSERT" + on + log + "VALUES (" +
                     sql_string(table) + ", NEW.id); END");
    connection_.exec(prefix.substr(0, prefix.size() - 1) + "_update\" AFTER UPDATE" + on + log + "VALUES (" +
                     sql_string(table) + ", OLD.id); " + log + "SELECT " + sql_string(table) +
                     ", NEW.id WHERE NEW.id IS NOT OLD.id; END");
    connection_.exec(prefix.substr(0, prefix.size() - 1) + "_delete\" AFTER DELETE" + on + log + "VALUES (" +
                     sql_string(table) + ", OLD.id); END");
  }
  tx.commit();
}

std::vector<ChangeRecord> Backend::changes_after(std::int64_t seq, int limit) {
  auto& stmt = connection_.cached(std::string("SELECT seq, tbl, row_id FROM ") + kChangeLogTable +
                                  " WHERE seq > ? ORDER BY seq LIMIT ?");
  stmt.bind_int64(1, seq);
  stmt.bind_int64(2, limit);
  std::vector<ChangeRecord> out;
  while (stmt.step()) out.push_back({stmt.column_int64(0), std::string(stmt.column_text(1)), stmt.column_value(2)});
  stmt.reset();
  return out;
}

std::int64_t Backend::last_change_seq() {
  auto& stmt = connection_.cached(std::string("SELECT coalesce(max(seq), 0) FROM ") + kChangeLogTable);
  stmt.step();
  auto seq = stmt.column_int64(0);
  stmt.reset();
  // Deleted log rows leave max(seq) behind; sqlite_sequence remembers the true high-water mark.
  auto& sequence = connection_.cached("SELECT seq FROM sqlite_sequence WHERE name = ?");
  sequence.bind_text(1, kChangeLogTable);
  if (sequence.step()) seq = std::max(seq, sequence.column_int64(0));
  sequence.reset();
  return seq;
}

void Backend::forget_changes_through(std::int64_t seq) {
  auto& stmt = connection_.cached(std::string("DELETE FROM ") + kChangeLogTable + " WHERE seq <= ?");
  stmt.bind_int64(1, seq);
  stmt.run();
  stmt.reset();
}

std::optional<BackendRow> Backend::read_row(const std::string& table, const Value& id) {
  auto& stmt = connection_.cached("SELECT * FROM " + quote_identifier(table) + " WHERE id = ?");
  stmt.bind(1, id);
  std::optional<BackendRow> row;
  if (stmt.step()) {
    row.emplace();
    for (int i = 0; i < stmt.column_count(); ++i) {
      row->columns.push_back(stmt.column_name(i));
      row->values.push_back(stmt.column_value(i));
    }
  }
  stmt.reset();
  return row;
}

std::vector<Value> Backend::all_ids(const std::string& table) {
  auto stmt = connection_.prepare("SELECT id FROM " + quote_identifier(table) + " ORDER BY rowid");
  std::vector<Value> ids;
  while (stmt.step()) ids.push_back(stmt.column_value(0));
  return ids;
}

std::vector<std::string> Backend::table_columns(const std::string& table) {
  auto stmt = connection_.prepare("SELECT name FROM pragma_table_info(?)");
  stmt.bind_text(1, table);
  std::vector<std::string> columns;
  while (stmt.step()) columns.emplace_back(stmt.column_text(0));
  return columns;
}

std::vector<std::pair<std::string, std::string>> Backend::table_column_types(const std::string& table) {
  auto stmt = connection_.prepare("SELECT name, type FROM pragma_table_info(?)");
  stmt.bind_text(1, table);
  std::vector<std::pair<std::string, std::string>> columns;
  while (stmt.step()) columns.emplace_back(stmt.column_text(0), stmt.column_text(1));
  return columns;
}

}  // namespace powersync::devserver
