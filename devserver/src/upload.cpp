#include "upload.hpp"

#include <set>

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

Value json_to_value(const nlohmann::json& v) {
  if (v.is_null()) return std::monostate{};
  if (v.is_boolean()) return std::int64_t{v.get<bool>() ? 1 : 0};
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) return static_cast<std::int64_t>(v.get<std::uint64_t>());
  if (v.is_number_float()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // objects and arrays are stored as JSON text
}

void apply_one(Backend& backend, const nlohmann::json& entry) {
  if (!entry.is_object()) throw_invalid_argument("batch entry is not an object");
  auto op = entry.value("op", std::string());
  auto table = entry.value("type", std::string());
  if (!entry.contains("id") || !(entry["id"].is_string() || entry["id"].is_number()))
    throw_invalid_argument("missing id");
  Value id = json_to_value(entry["id"]);
  if (table.empty() || table.rfind("_powersync_devserver", 0) == 0 || table.rfind("sqlite_", 0) == 0)
    throw_invalid_argument("bad table '" + table + "'");
  auto columns = backend.table_columns(table);
  if (columns.empty()) throw_invalid_argument("unknown table '" + table + "'");
  std::set<std::string> known(columns.begin(), columns.end());

  std::vector<std::string> names;
  std::vector<Value> values;
  if (entry.contains("data") && !entry["data"].is_null()) {
    if (!entry["data"].is_object()) throw_invalid_argument("data is not an object");
    for (const auto& [key, value] : entry["data"].items()) {
      if (key == "id") continue;
      if (!known.count(key)) throw_invalid_argument("table '" + table + "' has no column '" + key + "'");
      names.push_back(key);
      values.push_back(json_to_value(value));
    }
  }
  auto& conn = backend.connection();
  auto qtable = quote_identifier(table);
  if (op == "PUT") {
    std::string sql = "INSERT INTO " + qtable + " (id";
    std::string placeholders = "?";
    std::string updates;
    for (const auto& n : names) {
      sql += ", " + quote_identifier(n);
      placeholders += ", ?";
      updates += (updates.empty() ? "" : ", ") + quote_identifier(n) + " = excluded." + quote_identifier(n);
    }
    sql += ") VALUES (" + placeholders + ") ON CONFLICT(id) DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
    auto stmt = conn.prepare(sql);
    stmt.bind(1, id);
    for (std::size_t i = 0; i < values.size(); ++i) stmt.bind(static_cast<int>(i + 2), values[i]);
    stmt.run();
  } else if (op == "PATCH") {
    if (names.empty()) return;
    std::string sql = "UPDATE " + qtable + " SET ";
    for (std::size_t i = 0; i < names.size(); ++i) sql += (i ? ", " : "") + quote_identifier(names[i]) + " = ?";
    sql += " WHERE id = ?";
    auto stmt = conn.prepare(sql);
    for (std::size_t i = 0; i < values.size(); ++i) stmt.bind(static_cast<int>(i + 1), values[i]);
    stmt.bind(static_cast<int>(values.size() + 1), id);
    stmt.run();
  } else if (op == "DELETE") {
    auto stmt = conn.prepare("DELETE FROM " + qtable + " WHERE id = ?");
    stmt.bind(1, id);
    stmt.run();
  } else {
    throw_invalid_argument("unknown op '" + op + "'");
  }
}

}  // namespace

nlohmann::json UploadResult::to_json() const { return {{"applied", applied}, {"rejected", rejected}}; }

UploadResult apply_upload(Backend& backend, const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("batch") || !body["batch"].is_array())
    throw_invalid_argument("expected a JSON object {\"batch\": [...]}");
  UploadResult result;
  auto& conn = backend.connection();
  TransactionGuard tx(conn);
  int index = 0;
  for (const auto& entry : body["batch"]) {
    conn.exec("SAVEPOINT upload_row");
    try {
      apply_one(backend, entry);
      conn.exec("RELEASE upload_row");
      ++result.applied;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::busy) throw;  // not the row's fault: the whole upload is retried
      conn.exec("ROLLBACK TO upload_row; RELEASE upload_row");
      nlohmann::json rejected = {{"index", index}, {"error", e.what()}};
      if (entry.is_object()) {
        for (const char* key : {"op", "type", "id"})
          if (entry.contains(key)) rejected[key] = entry[key];
      }
      result.rejected.push_back(std::move(rejected));
    }
    ++index;
  }
  tx.commit();
  return result;
}

}  // namespace powersync::devserver
