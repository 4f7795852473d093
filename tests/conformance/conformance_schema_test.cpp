// Generated SQL and schema replacement compared with the official core.
#include "conformance_helpers.hpp"

namespace powersync::conformance {
namespace {

TEST(Conformance, InternalTables) {
  DualDatabase dual(schema_of({todos_table()}));
  EXPECT_THAT(dual.internal_schema_differences(), ::testing::IsEmpty());
  print_notes(dual);
}

TEST(Conformance, UpdateSchemaKeepsData) {
  Table todos = todos_table();
  Table lists;
  lists.name = "lists";
  lists.columns = {text("name")};
  DualDatabase dual(schema_of({todos, lists}));
  dual.execute("INSERT INTO todos(id, description, completed, priority) VALUES ('t1', 'one', 1, 1.5)");
  dual.execute("INSERT INTO lists(id, name) VALUES ('l1', 'list')");

  // Add a column, an index and drop a column: rows stay in ps_data, the views change.
  Table todos2 = todos;
  todos2.columns.push_back(integer("position"));
  todos2.columns.erase(todos2.columns.begin() + 3);  // created_at
  todos2.indexes = {Index{"by_position", {IndexedColumn{"position", false, ColumnType::integer}}}};
  dual.update_schema(schema_of({todos2, lists}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("UPDATE todos SET position = 3 WHERE id = 't1'");
  EXPECT_SAME_STATE(dual);

  // Remove the synced table: its rows go to ps_untyped ...
  dual.update_schema(schema_of({todos2}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  EXPECT_SAME_STATE(dual);
  // ... and come back with it.
  dual.update_schema(schema_of({todos2, lists}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  EXPECT_SAME_STATE(dual);

  // Rename the view and remove the index.
  Table todos3 = todos2;
  todos3.view_name_override = "tasks";
  todos3.indexes.clear();
  dual.update_schema(schema_of({todos3, lists}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("INSERT INTO tasks(id, description) VALUES ('t2', 'via the new view name')");
  EXPECT_SAME_STATE(dual);

  // Same schema again: nothing to do on either side.
  dual.update_schema(schema_of({todos3, lists}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, UpdateSchemaSwitchesLocalOnly) {
  Table todos = todos_table();
  DualDatabase dual(schema_of({todos}));
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'synced row')");

  Table local = todos;
  local.local_only = true;
  dual.update_schema(schema_of({local}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("INSERT INTO todos(id, description) VALUES ('t2', 'local row')");
  EXPECT_SAME_STATE(dual);

  dual.update_schema(schema_of({todos}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, UpdateSchemaChangesOptions) {
  Table todos = todos_table();
  DualDatabase dual(schema_of({todos}));
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'one')");

  Table tracked = todos;
  tracked.track_metadata = true;
  tracked.track_previous.enabled = true;
  tracked.ignore_empty_updates = true;
  dual.update_schema(schema_of({tracked}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("UPDATE todos SET description = 'two', _metadata = 'm' WHERE id = 't1'");
  dual.execute("UPDATE todos SET description = 'two' WHERE id = 't1'");

  Table insert_only = todos;
  insert_only.insert_only = true;
  dual.update_schema(schema_of({insert_only}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("INSERT INTO todos(id, description) VALUES ('t2', 'insert only now')");
  EXPECT_SAME_STATE(dual);
}

}  // namespace
}  // namespace powersync::conformance
