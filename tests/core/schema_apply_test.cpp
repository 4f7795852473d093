// apply_schema on a real database: tables, data moves, indexes, views and triggers.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/schema/schema_sql.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

Table todos_table() {
  Table table;
  table.name = "todos";
  table.columns = {{"description", ColumnType::text}, {"done", ColumnType::integer}};
  return table;
}

Table drafts_table() {
  Table table;
  table.name = "drafts";
  table.columns = {{"body", ColumnType::text}};
  table.local_only = true;
  return table;
}

class SchemaApplyTest : public ::testing::Test {
 protected:
  SchemaApplyTest() : db_(ConnectionOptions{}) {
    ensure_internal_schema(db_);
    register_sql_functions(db_);
  }

  std::vector<std::string> texts(const std::string& sql) {
    std::vector<std::string> out;
    Statement statement = db_.prepare(sql);
    while (statement.step()) out.push_back(statement.column_is_null(0) ? "NULL" : std::string(statement.column_text(0)));
    return out;
  }

  std::string text(const std::string& sql) {
    const auto all = texts(sql);
    return all.empty() ? "<no row>" : all.front();
  }

  std::string stored_sql(const std::string& name) {
    Statement statement = db_.prepare("SELECT sql FROM sqlite_master WHERE name = ?");
    statement.bind_text(1, name);
    return statement.step() ? std::string(statement.column_text(0)) : "<missing>";
  }

  // type/name -> sql of everything in sqlite_master except SQLite's own objects.
  std::map<std::string, std::string> master() {
    std::map<std::string, std::string> out;
    Statement statement =
        db_.prepare("SELECT type || ' ' || name, ifnull(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
    while (statement.step()) out[std::string(statement.column_text(0))] = std::string(statement.column_text(1));
    return out;
  }

  // A row as the sync client writes it: straight into the data table.
  void put_synced(const std::string& table, const std::string& id, const std::string& json) {
    Statement statement = db_.prepare("INSERT INTO " + quote_identifier("ps_data__" + table) + "(id, data) VALUES (?, ?)");
    statement.bind_text(1, id);
    statement.bind_text(2, json);
    statement.run();
  }

  Connection db_;
};

TEST_F(SchemaApplyTest, CreatesTablesViewsTriggersAndIndexes) {
  Table todos = todos_table();
  todos.indexes.push_back({"by_done", {{"done", false, ColumnType::integer}}});
  const Table drafts = drafts_table();
  apply_schema(db_, Schema{{todos, drafts}});

  EXPECT_EQ(stored_sql("ps_data__todos"), "CREATE TABLE \"ps_data__todos\"(id TEXT PRIMARY KEY NOT NULL, data TEXT)");
  EXPECT_EQ(stored_sql("ps_data_local__drafts"),
            "CREATE TABLE \"ps_data_local__drafts\"(id TEXT PRIMARY KEY NOT NULL, data TEXT)");
  EXPECT_EQ(stored_sql("todos"), view_sql(todos));
  EXPECT_EQ(stored_sql("drafts"), view_sql(drafts));
  EXPECT_EQ(stored_sql("ps_view_insert_todos"), insert_trigger_sql(todos));
  EXPECT_EQ(stored_sql("ps_view_update_todos"), update_trigger_sql(todos));
  EXPECT_EQ(stored_sql("ps_view_delete_todos"), delete_trigger_sql(todos));
  EXPECT_EQ(stored_sql("ps_data__todos__by_done"), index_sql(todos, todos.indexes[0]));
  EXPECT_FALSE(db_.in_transaction());
}

TEST_F(SchemaApplyTest, ViewsReadAndWriteThroughTheTriggers) {
  apply_schema(db_, Schema{{todos_table(), drafts_table()}});
  db_.exec("INSERT INTO todos(id, description, done) VALUES ('t1', 'write docs', 0)");
  db_.exec("UPDATE todos SET done = 1 WHERE id = 't1'");
  db_.exec("INSERT INTO drafts(id, body) VALUES ('d1', 'local')");
  EXPECT_EQ(text("SELECT data FROM ps_data__todos"), R"({"description":"write docs","done":1})");
  EXPECT_EQ(text("SELECT description || '/' || done FROM todos"), "write docs/1");
  EXPECT_EQ(texts("SELECT data FROM ps_crud ORDER BY id"),
            (std::vector<std::string>{R"({"op":"PUT","id":"t1","type":"todos","data":{"description":"write docs","done":0}})",
                                      R"({"op":"PATCH","id":"t1","type":"todos","data":{"done":1}})"}));
  EXPECT_EQ(text("SELECT body FROM drafts"), "local");
  db_.exec("DELETE FROM todos");
  EXPECT_EQ(text("SELECT count(*) FROM ps_data__todos"), "0");
  EXPECT_EQ(text("SELECT count(*) FROM ps_crud"), "3");
}

TEST_F(SchemaApplyTest, ReplacingKeepsTheDataOfKeptColumns) {
  apply_schema(db_, Schema{{todos_table()}});
  put_synced("todos", "t1", R"({"description":"a","done":1})");

  Table changed = todos_table();
  changed.columns = {{"description", ColumnType::text}, {"priority", ColumnType::real}};
  apply_schema(db_, Schema{{changed}});
  EXPECT_EQ(text("SELECT description || '/' || ifnull(priority, 'null') FROM todos"), "a/null");
  // The JSON keeps the value of the dropped column, so it returns with the column.
  apply_schema(db_, Schema{{todos_table()}});
  EXPECT_EQ(text("SELECT done FROM todos WHERE id = 't1'"), "1");
}

TEST_F(SchemaApplyTest, RemovedSyncedTablesMoveToUntypedAndComeBack) {
  Table lists;
  lists.name = "lists";
  lists.columns = {{"name", ColumnType::text}};
  apply_schema(db_, Schema{{todos_table(), lists}});
  put_synced("lists", "l1", R"({"name":"groceries"})");

  apply_schema(db_, Schema{{todos_table()}});
  EXPECT_EQ(text("SELECT count(*) FROM sqlite_master WHERE name IN ('lists', 'ps_data__lists')"), "0");
  EXPECT_EQ(text("SELECT type || '/' || id || '/' || data FROM ps_untyped"), R"(lists/l1/{"name":"groceries"})");

  apply_schema(db_, Schema{{todos_table(), lists}});
  EXPECT_EQ(text("SELECT name FROM lists WHERE id = 'l1'"), "groceries");
  EXPECT_EQ(text("SELECT count(*) FROM ps_untyped"), "0");
}

TEST_F(SchemaApplyTest, RowsDownloadedBeforeTheTableExistedAppear) {
  db_.exec(R"(INSERT INTO ps_untyped(type, id, data) VALUES ('todos', 't9', '{"description":"early"}'))");
  apply_schema(db_, Schema{{todos_table()}});
  EXPECT_EQ(text("SELECT description FROM todos WHERE id = 't9'"), "early");
}

TEST_F(SchemaApplyTest, RemovedLocalOnlyTablesAreDropped) {
  apply_schema(db_, Schema{{drafts_table()}});
  db_.exec(R"(INSERT INTO ps_data_local__drafts(id, data) VALUES ('d1', '{"body":"x"}'))");
  apply_schema(db_, Schema{});
  EXPECT_EQ(text("SELECT count(*) FROM sqlite_master WHERE name LIKE '%drafts%'"), "0");
  EXPECT_EQ(text("SELECT count(*) FROM ps_untyped"), "0");
}

TEST_F(SchemaApplyTest, SwitchingBetweenSyncedAndLocalOnly) {
  Table todos = todos_table();
  todos.indexes.push_back({"by_done", {{"done", true, ColumnType::integer}}});
  apply_schema(db_, Schema{{todos}});
  put_synced("todos", "t1", R"({"description":"synced"})");

  Table local = todos;
  local.local_only = true;
  apply_schema(db_, Schema{{local}});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE name GLOB 'ps_data_*' ORDER BY name"),
            (std::vector<std::string>{"ps_data_local__todos", "ps_data_local__todos__by_done"}));
  EXPECT_EQ(text("SELECT count(*) FROM todos"), "0");
  EXPECT_EQ(text("SELECT id FROM ps_untyped WHERE type = 'todos'"), "t1");
  db_.exec("INSERT INTO todos(id, description) VALUES ('l1', 'local only')");
  EXPECT_EQ(text("SELECT count(*) FROM ps_crud"), "0");

  apply_schema(db_, Schema{{todos}});
  // Back to synced: the synced rows return, the local rows are gone with their table.
  EXPECT_EQ(texts("SELECT id FROM todos"), std::vector<std::string>{"t1"});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE name GLOB 'ps_data_*' ORDER BY name"),
            (std::vector<std::string>{"ps_data__todos", "ps_data__todos__by_done"}));
}

TEST_F(SchemaApplyTest, IndexesFollowTheSchema) {
  Table todos = todos_table();
  todos.indexes.push_back({"by_done", {{"done", true, ColumnType::integer}}});
  todos.indexes.push_back({"by_description", {{"description", true, ColumnType::text}}});
  apply_schema(db_, Schema{{todos}});
  db_.exec("CREATE INDEX ps_data__todos__stale ON ps_data__todos(data)");
  db_.exec("CREATE INDEX my_own_index ON ps_kv(value)");

  todos.indexes[0].columns[0].ascending = false;
  todos.indexes.pop_back();
  apply_schema(db_, Schema{{todos}});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE type = 'index' AND (name GLOB 'ps_data_*' OR name = 'my_own_index') ORDER BY name"),
            (std::vector<std::string>{"my_own_index", "ps_data__todos__by_done"}))
      << "obsolete ps_data indexes are dropped, others are left alone";
  EXPECT_EQ(stored_sql("ps_data__todos__by_done"), index_sql(todos, todos.indexes[0]));
  EXPECT_NE(stored_sql("ps_data__todos__by_done").find(" DESC)"), std::string::npos);
}

// A user trigger on a view disappears exactly when the view is dropped and re-created.
TEST_F(SchemaApplyTest, ViewsAreRecreatedOnlyWhenTheirSqlChanges) {
  Table lists;
  lists.name = "lists";
  lists.columns = {{"name", ColumnType::text}};
  apply_schema(db_, Schema{{todos_table(), lists}});
  auto add_marker = [&](const std::string& view) {
    db_.exec("CREATE TRIGGER marker_" + view + " INSTEAD OF INSERT ON " + view + " BEGIN SELECT 1; END");
  };
  auto has_marker = [&](const std::string& view) { return stored_sql("marker_" + view) != "<missing>"; };
  add_marker("todos");
  add_marker("lists");
  const auto before = master();

  apply_schema(db_, Schema{{todos_table(), lists}});
  EXPECT_TRUE(has_marker("todos"));
  EXPECT_TRUE(has_marker("lists"));
  EXPECT_EQ(master(), before);

  Table tracked = todos_table();
  tracked.track_previous.enabled = true;
  apply_schema(db_, Schema{{tracked, lists}});
  EXPECT_FALSE(has_marker("todos"));
  EXPECT_TRUE(has_marker("lists"));
  EXPECT_EQ(stored_sql("ps_view_update_todos"), update_trigger_sql(tracked));

  // A trigger changed behind our back is noticed too.
  db_.exec("DROP TRIGGER ps_view_update_lists");
  apply_schema(db_, Schema{{tracked, lists}});
  EXPECT_FALSE(has_marker("lists"));
  EXPECT_EQ(stored_sql("ps_view_update_lists"), update_trigger_sql(lists));
}

TEST_F(SchemaApplyTest, OptionsChangeTheTriggers) {
  Table todos = todos_table();
  todos.track_metadata = true;
  apply_schema(db_, Schema{{todos}});
  EXPECT_EQ(stored_sql("ps_view_delete2_todos"), delete_trigger_sql(todos).substr(delete_trigger_sql(todos).find(";\nCREATE") + 2));

  Table insert_only = todos_table();
  insert_only.insert_only = true;
  apply_schema(db_, Schema{{insert_only}});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"),
            std::vector<std::string>{"ps_view_insert_todos"});
  db_.exec("INSERT INTO todos(id, description) VALUES ('t1', 'queued')");
  EXPECT_EQ(text("SELECT count(*) FROM ps_data__todos"), "0");
  EXPECT_EQ(text("SELECT json_extract(data, '$.data.description') FROM ps_crud"), "queued");
}

TEST_F(SchemaApplyTest, MetadataDeletesThroughUpdate) {
  Table todos = todos_table();
  todos.track_metadata = true;
  apply_schema(db_, Schema{{todos}});
  db_.exec("INSERT INTO todos(id, description, _metadata) VALUES ('t1', 'x', 'created')");
  db_.exec("UPDATE todos SET _deleted = TRUE, _metadata = 'gone' WHERE id = 't1'");
  EXPECT_EQ(text("SELECT count(*) FROM todos"), "0");
  EXPECT_EQ(texts("SELECT json_extract(data, '$.op') || '/' || json_extract(data, '$.metadata') FROM ps_crud ORDER BY id"),
            (std::vector<std::string>{"PUT/created", "DELETE/gone"}));
}

TEST_F(SchemaApplyTest, ViewsOfRemovedTablesAreDroppedButUserViewsStay) {
  apply_schema(db_, Schema{{todos_table(), drafts_table()}});
  db_.exec("CREATE VIEW my_view AS SELECT id FROM todos");
  apply_schema(db_, Schema{{todos_table()}});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"),
            (std::vector<std::string>{"my_view", "todos"}));
}

TEST_F(SchemaApplyTest, RenamedViewReplacesTheOldOne) {
  apply_schema(db_, Schema{{todos_table()}});
  put_synced("todos", "t1", R"({"description":"kept"})");
  Table renamed = todos_table();
  renamed.view_name_override = "tasks";
  apply_schema(db_, Schema{{renamed}});
  EXPECT_EQ(texts("SELECT name FROM sqlite_master WHERE type = 'view'"), std::vector<std::string>{"tasks"});
  EXPECT_EQ(text("SELECT description FROM tasks"), "kept");
  EXPECT_EQ(stored_sql("ps_view_insert_tasks"), insert_trigger_sql(renamed));
}

TEST_F(SchemaApplyTest, InvalidSchemasChangeNothing) {
  apply_schema(db_, Schema{{todos_table()}});
  const auto before = master();
  Table bad = todos_table();
  bad.columns.push_back({"ID", ColumnType::text});
  try {
    apply_schema(db_, Schema{{bad}});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
  }
  EXPECT_EQ(master(), before);
}

TEST_F(SchemaApplyTest, AFailureRollsEverythingBack) {
  apply_schema(db_, Schema{{todos_table()}});
  put_synced("todos", "t1", R"({"description":"kept"})");
  db_.exec("CREATE TABLE clash(x)");
  const auto before = master();
  Table lists;
  lists.name = "lists";
  lists.view_name_override = "clash";  // DROP VIEW on a table fails after the tables changed
  try {
    apply_schema(db_, Schema{{lists}});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::sql) << error.what();
  }
  EXPECT_FALSE(db_.in_transaction());
  EXPECT_EQ(master(), before);
  EXPECT_EQ(text("SELECT description FROM todos"), "kept");
  EXPECT_EQ(text("SELECT count(*) FROM ps_untyped"), "0");
}

}  // namespace
}  // namespace powersync
