// The tables a query reads, from its compiled program: every OpenRead/OpenWrite opcode of
// `EXPLAIN <sql>` names a b-tree root page, and sqlite_master maps root pages (of tables
// and of indexes) to their table. Views and indexes are thereby resolved to the tables
// that actually hold the rows, as the official SDKs do.

#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "powersync/database.hpp"
#include "powersync/schema/schema_sql.hpp"

namespace powersync {

std::set<std::string> Database::resolve_tables(std::string_view sql) {
  Lease lease = reader();
  Connection& connection = *lease;

  // Root pages per schema index (0 main, 1 temp, 2+ attached).
  std::map<int, std::vector<std::int64_t>> root_pages;
  {
    Statement explain = connection.prepare("EXPLAIN " + std::string(sql));
    while (explain.step()) {
      const std::string_view opcode = explain.column_text(1);
      if (opcode != "OpenRead" && opcode != "OpenWrite") continue;
      root_pages[static_cast<int>(explain.column_int64(4))].push_back(explain.column_int64(3));
    }
  }

  std::set<std::string> tables;
  for (const auto& [schema_index, pages] : root_pages) {
    const char* schema_name = sqlite3_db_name(connection.handle(), schema_index);
    if (schema_name == nullptr) continue;
    std::string query = "SELECT tbl_name FROM " + quote_identifier(schema_name) +
                        ".sqlite_master WHERE rootpage IN (";
    for (std::size_t i = 0; i < pages.size(); ++i) query += (i ? "," : "") + std::to_string(pages[i]);
    query += ")";
    Statement names = connection.prepare(query);
    while (names.step()) tables.emplace(names.column_text(0));
  }
  return tables;
}

}  // namespace powersync
