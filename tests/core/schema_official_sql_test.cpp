// apply_schema against the official core's powersync_replace_schema: the same schema (as our
// canonical JSON) must leave byte-identical views, triggers, data tables and indexes, and the
// same rows in ps_data and ps_untyped after each schema change.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "temp_dir.hpp"

namespace powersync {
namespace {

using Snapshot = std::map<std::string, std::string>;

// Everything generated for a schema, keyed by type and name, plus the rows it holds.
Snapshot snapshot(Connection& db) {
  Snapshot out;
  Statement objects = db.prepare(
      "SELECT type, name, tbl_name, ifnull(sql, '') FROM sqlite_master "
      "WHERE type IN ('view', 'trigger') OR name GLOB 'ps_data_*'");
  std::vector<std::string> data_tables;
  while (objects.step()) {
    const std::string type(objects.column_text(0));
    const std::string name(objects.column_text(1));
    out[type + " " + name] = std::string(objects.column_text(2)) + ": " + std::string(objects.column_text(3));
    if (type == "table") data_tables.push_back(name);
  }
  for (const std::string& table : data_tables) {
    Statement rows = db.prepare("SELECT group_concat(id || '=' || ifnull(data, 'NULL'), ' | ') FROM (SELECT * FROM \"" +
                                table + "\" ORDER BY id)");
    rows.step();
    out["rows " + table] = rows.column_is_null(0) ? "" : std::string(rows.column_text(0));
  }
  Statement untyped =
      db.prepare("SELECT group_concat(type || '/' || id || '=' || data, ' | ') FROM (SELECT * FROM ps_untyped ORDER BY type, id)");
  untyped.step();
  out["rows ps_untyped"] = untyped.column_is_null(0) ? "" : std::string(untyped.column_text(0));
  return out;
}

class SchemaOfficialSqlTest : public ::testing::Test {
 protected:
  SchemaOfficialSqlTest() : ours_(ConnectionOptions{}), official_(ConnectionOptions{}) {
    ensure_internal_schema(ours_);
    register_sql_functions(ours_);
    sqlite3* handle = official_.handle();
    sqlite3_db_config(handle, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
    char* error = nullptr;
    if (sqlite3_load_extension(handle, POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &error) != SQLITE_OK) {
      load_error_ = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
    }
  }

  // Applies `schema` on both sides, then runs `sql` on both (the same synced writes).
  void apply_both(const Schema& schema, const std::string& sql = {}) {
    apply_schema(ours_, schema);
    official_.exec("BEGIN");
    Statement replace = official_.prepare("SELECT powersync_replace_schema(?)");
    replace.bind_text(1, schema_to_json(schema));
    replace.run();
    replace = Statement();
    official_.exec("COMMIT");
    if (!sql.empty()) {
      ours_.exec(sql);
      official_.exec(sql);
    }
  }

  void expect_same(const std::string& step) {
    const Snapshot ours = snapshot(ours_);
    const Snapshot official = snapshot(official_);
    for (const auto& [key, value] : official) {
      const auto found = ours.find(key);
      if (found == ours.end()) {
        ADD_FAILURE() << step << ": missing " << key << "\n  official: " << value;
      } else if (found->second != value) {
        ADD_FAILURE() << step << ": " << key << " differs\n  ours:     " << found->second << "\n  official: " << value;
      }
    }
    for (const auto& [key, value] : ours) {
      if (!official.contains(key)) ADD_FAILURE() << step << ": extra " << key << "\n  ours: " << value;
    }
  }

  Connection ours_;
  Connection official_;
  std::string load_error_;
};

Table table(std::string name, std::vector<Column> columns) {
  Table out;
  out.name = std::move(name);
  out.columns = std::move(columns);
  return out;
}

std::vector<Table> every_option() {
  std::vector<Table> tables;
  Table plain = table("plain", {{"a", ColumnType::text}, {"b", ColumnType::integer}, {"c", ColumnType::real}});
  plain.indexes = {{"by_a", {{"a", true, ColumnType::text}}}, {"by_b_c", {{"b", false, ColumnType::integer}, {"c", true, ColumnType::real}}}};
  tables.push_back(plain);
  tables.push_back(table("empty", {}));
  Table renamed = table("renamed", {{"a", ColumnType::text}});
  renamed.view_name_override = "shown_as";
  tables.push_back(renamed);
  Table local = table("local", {{"a", ColumnType::text}});
  local.local_only = true;
  local.indexes = {{"by_a", {{"a", false, ColumnType::text}}}};
  tables.push_back(local);
  Table local_insert_only = table("local_insert_only", {{"a", ColumnType::text}});
  local_insert_only.local_only = true;
  local_insert_only.insert_only = true;
  tables.push_back(local_insert_only);
  Table insert_only = table("insert_only", {{"a", ColumnType::text}});
  insert_only.insert_only = true;
  tables.push_back(insert_only);
  Table metadata = table("metadata", {{"a", ColumnType::text}});
  metadata.track_metadata = true;
  tables.push_back(metadata);
  Table old_all = table("old_all", {{"a", ColumnType::text}, {"b", ColumnType::text}});
  old_all.track_previous.enabled = true;
  tables.push_back(old_all);
  Table old_some = table("old_some", {{"a", ColumnType::text}, {"b", ColumnType::text}, {"c", ColumnType::text}});
  old_some.track_previous = {true, {"c", "a"}, true};
  old_some.ignore_empty_updates = true;
  old_some.track_metadata = true;
  tables.push_back(old_some);
  Table flag_only = table("flag_only", {{"a", ColumnType::text}});
  flag_only.track_previous.only_when_changed = true;
  flag_only.ignore_empty_updates = true;
  tables.push_back(flag_only);
  Table wide = table("wide", {});
  for (int i = 0; i < 120; ++i) wide.columns.push_back({"c" + std::to_string(i), ColumnType::integer});
  wide.track_previous.enabled = true;
  tables.push_back(wide);
  return tables;
}

TEST_F(SchemaOfficialSqlTest, EveryTableOptionGeneratesTheSameSql) {
  ASSERT_EQ(load_error_, "");
  apply_both(Schema{every_option()});
  expect_same("every option");
  const Snapshot official = snapshot(official_);
  EXPECT_EQ(official.count("view shown_as"), 1u);
  EXPECT_EQ(official.count("trigger ps_view_delete2_old_some"), 1u);
  EXPECT_EQ(official.count("index ps_data_local__local__by_a"), 1u);
  EXPECT_EQ(official.count("trigger ps_view_update_insert_only"), 0u);
}

TEST_F(SchemaOfficialSqlTest, SchemaChangesLeaveTheSameDatabase) {
  ASSERT_EQ(load_error_, "");
  const std::vector<Table> all = every_option();
  apply_both(Schema{all},
             R"(INSERT INTO ps_data__plain(id, data) VALUES ('p1', '{"a":"x","b":1}');
                INSERT INTO ps_data__renamed(id, data) VALUES ('r1', '{"a":"y"}');
                INSERT INTO ps_data_local__local(id, data) VALUES ('l1', '{"a":"z"}');
                INSERT INTO ps_untyped(type, id, data) VALUES ('later', 'u1', '{"a":"early"}');)");
  expect_same("initial");
  EXPECT_EQ(snapshot(official_).at("rows ps_untyped"), R"(later/u1={"a":"early"})");

  // Drop some tables, switch one to local-only and back, add a table with waiting rows.
  std::vector<Table> changed{all[0], all[2]};
  changed[0].local_only = true;
  changed[0].indexes.pop_back();
  changed[1].view_name_override.reset();
  changed.push_back(table("later", {{"a", ColumnType::text}}));
  apply_both(Schema{changed});
  expect_same("changed");
  EXPECT_EQ(snapshot(official_).at("rows ps_data__later"), R"(u1={"a":"early"})");
  EXPECT_NE(snapshot(official_).at("rows ps_untyped").find(R"(plain/p1={"a":"x","b":1})"), std::string::npos);

  changed[0].local_only = false;
  changed[0].indexes[0].columns[0].ascending = false;
  changed[0].columns.push_back({"d", ColumnType::text});
  apply_both(Schema{changed});
  expect_same("back to synced");

  apply_both(Schema{all});
  expect_same("all again");
  apply_both(Schema{});
  expect_same("empty");
}

// The official SDKs send "TEXT"/"INTEGER"/"REAL", which the official core copies into the
// SQL; such a database must count as current for us, without rebuilding views or indexes.
TEST_F(SchemaOfficialSqlTest, DatabasesOfTheOfficialSdksAreCurrent) {
  ASSERT_EQ(load_error_, "");
  test::TempDir dir;
  ConnectionOptions options;
  options.path = dir.file("official.db");
  const std::string sdk_json = R"({"tables":[{"name":"todos","view_name":"todos",
      "columns":[{"name":"description","type":"TEXT"},{"name":"done","type":"INTEGER"}],
      "indexes":[{"name":"by_done","columns":[{"name":"done","ascending":false,"type":"INTEGER"}]}],
      "local_only":false,"insert_only":false,"include_old":false,"include_old_only_when_changed":false,
      "include_metadata":false,"ignore_empty_update":false}],"raw_tables":[]})";
  {
    Connection official(options);
    sqlite3_db_config(official.handle(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
    ASSERT_EQ(sqlite3_load_extension(official.handle(), POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", nullptr),
              SQLITE_OK);
    official.exec("BEGIN");
    Statement replace = official.prepare("SELECT powersync_replace_schema(?)");
    replace.bind_text(1, sdk_json);
    replace.run();
    replace = Statement();
    official.exec("COMMIT");
    official.exec("CREATE TRIGGER marker INSTEAD OF INSERT ON todos BEGIN SELECT 1; END");
  }
  Connection reopened(options);
  ensure_internal_schema(reopened);
  register_sql_functions(reopened);
  const Snapshot before = snapshot(reopened);
  ASSERT_NE(before.at("view todos").find("as TEXT"), std::string::npos);
  apply_schema(reopened, parse_schema_json(sdk_json));
  EXPECT_EQ(snapshot(reopened), before);
  Statement marker = reopened.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'marker'");
  ASSERT_TRUE(marker.step());
  EXPECT_EQ(marker.column_int64(0), 1) << "the view was re-created";
}

}  // namespace
}  // namespace powersync
