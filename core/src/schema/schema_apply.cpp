// apply_schema: the steps of the official core's powersync_replace_schema (tables, then indexes,
// then views with their triggers), so either implementation leaves the same database behind.

#include "powersync/schema/schema_apply.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "powersync/schema/schema_sql.hpp"
#include "powersync/util/error.hpp"
#include "schema/schema_sql_spelling.hpp"

namespace powersync {
namespace {

using schema_detail::TypeSpelling;

constexpr std::string_view kLocalPrefix = "ps_data_local__";
constexpr std::string_view kSyncedPrefix = "ps_data__";

struct ExistingTable {
  std::string name;           // the schema's table name
  std::string internal_name;  // ps_data__<name> or ps_data_local__<name>
  bool local_only = false;
};

std::vector<ExistingTable> list_existing_tables(Connection& db) {
  std::vector<ExistingTable> tables;
  Statement statement = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'ps_data_*'");
  while (statement.step()) {
    const std::string internal(statement.column_text(0));
    if (internal.starts_with(kLocalPrefix)) {
      tables.push_back({internal.substr(kLocalPrefix.size()), internal, true});
    } else if (internal.starts_with(kSyncedPrefix)) {
      tables.push_back({internal.substr(kSyncedPrefix.size()), internal, false});
    }
  }
  return tables;
}

void run_with_text(Connection& db, const std::string& sql, std::string_view text) {
  Statement statement = db.prepare(sql);
  statement.bind_text(1, text);
  statement.run();
}

void update_tables(Connection& db, const Schema& schema) {
  std::vector<ExistingTable> obsolete = list_existing_tables(db);
  for (const Table& table : schema.tables) {
    const auto kept = std::find_if(obsolete.begin(), obsolete.end(), [&](const ExistingTable& existing) {
      return existing.name == table.name && existing.local_only == table.local_only;
    });
    if (kept != obsolete.end()) {
      obsolete.erase(kept);
      continue;
    }
    // New table, or one switching between local-only and synced: the new one has a different
    // name, so it is created here and the old one is dropped below with the other leftovers.
    const std::string internal = quote_identifier(table.internal_name());
    db.exec("CREATE TABLE " + internal + "(id TEXT PRIMARY KEY NOT NULL, data TEXT)");
    if (!table.local_only) {
      // Rows downloaded while the table was not in the schema come back.
      run_with_text(db, "INSERT INTO " + internal + "(id, data) SELECT id, data FROM ps_untyped WHERE type = ?",
                    table.name);
      run_with_text(db, "DELETE FROM ps_untyped WHERE type = ?", table.name);
    }
  }

  // Synced rows are kept aside in ps_untyped; local-only rows go with their table.
  for (const ExistingTable& table : obsolete) {
    if (!table.local_only) {
      run_with_text(db, "INSERT INTO ps_untyped(type, id, data) SELECT ?, id, data FROM " +
                            quote_identifier(table.internal_name),
                    table.name);
    }
  }
  for (const ExistingTable& table : obsolete) db.exec("DROP TABLE " + quote_identifier(table.internal_name));
}

void update_indexes(Connection& db, const Schema& schema) {
  std::vector<std::string> statements;
  nlohmann::json expected_names = nlohmann::json::array();
  {
    // Scoped so that no statement reads sqlite_master while indexes are dropped ("table is locked").
    Statement find_index = db.prepare("SELECT sql FROM sqlite_master WHERE name = ? AND type = 'index'");
    for (const Table& table : schema.tables) {
      for (const Index& index : table.indexes) {
        const std::string name = table.internal_name() + "__" + index.name;
        const std::string wanted = index_sql(table, index);
        find_index.reset();
        find_index.bind_text(1, name);
        if (!find_index.step()) {
          statements.push_back(wanted);
        } else if (find_index.column_is_null(0) ||
                   (find_index.column_text(0) != wanted &&
                    find_index.column_text(0) != schema_detail::index_sql(table, index, TypeSpelling::upper))) {
          statements.push_back("DROP INDEX " + quote_identifier(name));
          statements.push_back(wanted);
        }
        expected_names.push_back(name);
      }
    }
    find_index.reset();

    Statement obsolete = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'ps_data_*' "
        "AND name NOT IN (SELECT value FROM json_each(?))");
    obsolete.bind_text(1, expected_names.dump());
    while (obsolete.step()) statements.push_back("DROP INDEX " + quote_identifier(obsolete.column_text(0)));
  }
  for (const std::string& statement : statements) db.exec(statement);
}

// A generated view with its triggers, as stored in sqlite_master or as we would create it.
struct ViewDefinition {
  std::string name;
  std::string view;
  std::string delete_triggers;  // ps_view_delete_ and, with metadata, ps_view_delete2_
  std::string insert_trigger;
  std::string update_trigger;

  bool operator==(const ViewDefinition&) const = default;
};

std::map<std::string, ViewDefinition> list_generated_views(Connection& db) {
  // The same query as the official core, so both see a database's views the same way: the
  // delete triggers are concatenated in the order their SQL is generated.
  Statement statement = db.prepare(R"(
SELECT
    view.name,
    view.sql,
    ifnull(group_concat(trigger1.sql, ';
' ORDER BY trigger1.name DESC), ''),
    ifnull(trigger2.sql, ''),
    ifnull(trigger3.sql, '')
    FROM sqlite_master view
    LEFT JOIN sqlite_master trigger1
        ON trigger1.tbl_name = view.name AND trigger1.type = 'trigger' AND trigger1.name GLOB 'ps_view_delete*'
    LEFT JOIN sqlite_master trigger2
        ON trigger2.tbl_name = view.name AND trigger2.type = 'trigger' AND trigger2.name GLOB 'ps_view_insert*'
    LEFT JOIN sqlite_master trigger3
        ON trigger3.tbl_name = view.name AND trigger3.type = 'trigger' AND trigger3.name GLOB 'ps_view_update*'
    WHERE view.type = 'view' AND view.sql GLOB '*-- powersync-auto-generated'
    GROUP BY view.name)");
  std::map<std::string, ViewDefinition> views;
  while (statement.step()) {
    ViewDefinition view{std::string(statement.column_text(0)), std::string(statement.column_text(1)),
                        std::string(statement.column_text(2)), std::string(statement.column_text(3)),
                        std::string(statement.column_text(4))};
    std::string name = view.name;
    views.emplace(std::move(name), std::move(view));
  }
  return views;
}

void drop_view(Connection& db, std::string_view name) { db.exec("DROP VIEW IF EXISTS " + quote_identifier(name)); }

void create_view(Connection& db, const ViewDefinition& view) {
  // Dropping the view drops its triggers too.
  drop_view(db, view.name);
  for (const std::string* sql : {&view.view, &view.delete_triggers, &view.insert_trigger, &view.update_trigger}) {
    if (!sql->empty()) db.exec(*sql);
  }
}

void update_views(Connection& db, const Schema& schema) {
  std::map<std::string, ViewDefinition> existing = list_generated_views(db);
  for (const Table& table : schema.tables) {
    const ViewDefinition wanted{table.view_name(), view_sql(table), delete_trigger_sql(table),
                                insert_trigger_sql(table), update_trigger_sql(table)};
    const auto found = existing.find(wanted.name);
    if (found != existing.end()) {
      ViewDefinition official_sdk_spelling = wanted;
      official_sdk_spelling.view = schema_detail::view_sql(table, TypeSpelling::upper);
      const bool current = found->second == wanted || found->second == official_sdk_spelling;
      existing.erase(found);
      if (current) continue;
    }
    create_view(db, wanted);
  }
  for (const auto& [name, view] : existing) drop_view(db, name);
}

}  // namespace

void apply_schema(Connection& writer, const Schema& schema) {
  validate_schema(schema);
  // Cached statements may reference tables that are about to be dropped.
  writer.clear_cache();
  TransactionGuard transaction(writer);
  update_tables(writer, schema);
  update_indexes(writer, schema);
  update_views(writer, schema);
  transaction.commit();
}

}  // namespace powersync
