// One test per table option of the schema (issue 2, scope 2): the official core and ours must
// store the same rows and queue the same uploads.
#include "conformance_helpers.hpp"

namespace powersync::conformance {
namespace {

// Inserts, updates (changing, not changing, setting NULL) and deletes through `view`, which
// has the columns of todos_table().
void todo_workload(DualDatabase& dual, const std::string& view) {
  const std::string insert =
      "INSERT INTO " + view + "(id, description, list_id, completed, created_at, priority) VALUES (?, ?, ?, ?, ?, ?)";
  dual.execute(insert, {std::string("t1"), std::string("one"), std::string("l1"), std::int64_t{0},
                        std::string("2024-01-01"), 1.0});
  dual.execute(insert, {std::string("t2"), std::string("two"), std::string("l1"), std::int64_t{1},
                        std::monostate{}, 2.5});
  dual.execute(insert, {std::string("t3"), std::string("three"), std::string("l2"), std::int64_t{0},
                        std::string("2024-01-03"), std::int64_t{3}});
  dual.execute("UPDATE " + view + " SET completed = 1 WHERE id = 't1'");
  dual.execute("UPDATE " + view + " SET description = 'two!', priority = NULL WHERE id = 't2'");
  dual.execute("UPDATE " + view + " SET description = description WHERE id = 't3'");  // changes nothing
  dual.execute("UPDATE " + view + " SET list_id = 'l9'");
  dual.transaction({
      sql("INSERT INTO " + view + "(id, description) VALUES ('t4', 'in tx')"),
      sql("UPDATE " + view + " SET priority = 4.5 WHERE id = 't4'"),
      sql("DELETE FROM " + view + " WHERE id = 't1'"),
  });
  dual.transaction({sql("DELETE FROM " + view + " WHERE id = 't3'")}, TxEnd::rollback);
  dual.execute("DELETE FROM " + view + " WHERE id = 't2'");
}

TEST(Conformance, Indexes) {
  Table table = todos_table();
  table.indexes = {
      Index{"by_list", {IndexedColumn{"list_id", true, ColumnType::text}}},
      Index{"by_state", {IndexedColumn{"completed", true, ColumnType::integer},
                         IndexedColumn{"priority", false, ColumnType::real}}},
      Index{"recent_first", {IndexedColumn{"created_at", false, ColumnType::text}}},
  };
  DualDatabase dual(schema_of({table}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "todos");
  EXPECT_SAME_STATE(dual);
  // The official core names them ps_data__<table>__<index>; queries must be able to use them.
  auto plan = dual.ours("EXPLAIN QUERY PLAN SELECT * FROM todos WHERE list_id = 'l9'");
  bool uses_index = false;
  for (const auto& row : plan.rows)
    for (const auto& cell : row)
      if (type_of(cell) == ValueType::text && std::get<std::string>(cell).find("ps_data__todos__by_list") !=
                                                  std::string::npos)
        uses_index = true;
  EXPECT_TRUE(uses_index);
}

TEST(Conformance, LocalOnly) {
  Table table = todos_table("drafts");
  table.local_only = true;
  DualDatabase dual(schema_of({table, todos_table()}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "drafts");
  dual.execute("INSERT INTO drafts(id, description) VALUES (NULL, 'local-only tables accept any id')");
  dual.execute("INSERT INTO drafts(id, description) VALUES (7, 'integer id')");
  // A transaction touching a local-only and a synced table.
  dual.transaction({
      sql("INSERT INTO drafts(id, description) VALUES ('d1', 'draft')"),
      sql("INSERT INTO todos(id, description) VALUES ('s1', 'synced')"),
  });
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, InsertOnly) {
  Table table = todos_table("events");
  table.insert_only = true;
  DualDatabase dual(schema_of({table, todos_table()}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("INSERT INTO events(id, description, completed, priority) VALUES ('e1', 'clicked', 1, 0.5)");
  dual.execute("INSERT INTO events(id, description) VALUES ('e2', NULL)");
  dual.transaction({
      sql("INSERT INTO events(id, description) VALUES ('e3', 'in tx')"),
      sql("INSERT INTO todos(id, description) VALUES ('t1', 'with a synced write')"),
      sql("INSERT INTO events(id, description) VALUES ('e4', 'in tx too')"),
  });
  dual.transaction({sql("INSERT INTO events(id) VALUES (NULL)")});  // 'id is required'
  // No UPDATE or DELETE triggers: both sides reject these the same way.
  dual.execute("UPDATE events SET description = 'x' WHERE id = 'e1'");
  dual.execute("DELETE FROM events WHERE id = 'e1'");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, ViewName) {
  Table table = todos_table("todos");
  table.view_name_override = "my_todos";
  DualDatabase dual(schema_of({table}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "my_todos");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, TrackMetadata) {
  Table table = todos_table();
  table.track_metadata = true;
  DualDatabase dual(schema_of({table}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  dual.execute("INSERT INTO todos(id, description, _metadata) VALUES ('m1', 'with metadata', 'created by test')");
  dual.execute("INSERT INTO todos(id, description) VALUES ('m2', 'without metadata')");
  dual.execute("INSERT INTO todos(id, description, _metadata) VALUES ('m3', 'json metadata', '{\"a\":1}')");
  dual.execute("UPDATE todos SET description = 'changed', _metadata = 'update meta' WHERE id = 'm1'");
  dual.execute("UPDATE todos SET description = 'changed again' WHERE id = 'm1'");
  dual.execute("UPDATE todos SET _metadata = 'only metadata' WHERE id = 'm2'");
  dual.execute("UPDATE todos SET _deleted = TRUE, _metadata = 'delete meta' WHERE id = 'm1'");
  dual.execute("UPDATE todos SET _deleted = FALSE, description = 'not deleted' WHERE id = 'm2'");
  dual.execute("DELETE FROM todos WHERE id = 'm3'");
  dual.execute("INSERT INTO todos(id, description, _metadata) VALUES ('m4', 'integer metadata', 42)");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, TrackPreviousValuesAllColumns) {
  Table table = todos_table();
  table.track_previous.enabled = true;
  DualDatabase dual(schema_of({table}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "todos");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, TrackPreviousValuesColumnList) {
  Table table = todos_table();
  table.track_previous.enabled = true;
  table.track_previous.columns = {"description", "priority"};
  DualDatabase dual(schema_of({table}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "todos");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, TrackPreviousValuesOnlyWhenChanged) {
  Table table = todos_table();
  table.track_previous.enabled = true;
  table.track_previous.only_when_changed = true;
  Table listed = todos_table("listed");
  listed.track_previous = {true, {"description", "completed"}, true};
  DualDatabase dual(schema_of({table, listed}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "todos");
  todo_workload(dual, "listed");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, IgnoreEmptyUpdates) {
  Table table = todos_table();
  table.ignore_empty_updates = true;
  Table with_old = todos_table("with_old");
  with_old.ignore_empty_updates = true;
  with_old.track_previous.enabled = true;
  DualDatabase dual(schema_of({table, with_old}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "todos");
  todo_workload(dual, "with_old");
  // Only empty updates inside a transaction: still no ps_crud row, but does it take a tx id?
  dual.transaction({sql("UPDATE todos SET description = description")});
  dual.execute("INSERT INTO todos(id) VALUES ('after')");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, AllOptionsTogether) {
  Table a = todos_table("a");
  a.track_metadata = true;
  a.track_previous = {true, {"description"}, true};
  a.ignore_empty_updates = true;
  a.view_name_override = "a_view";
  a.indexes = {Index{"by_desc", {IndexedColumn{"description", false, ColumnType::text}}}};
  Table b = todos_table("b");
  b.local_only = true;
  b.indexes = {Index{"by_list", {IndexedColumn{"list_id", true, ColumnType::text}}}};
  Table c = todos_table("c");
  c.insert_only = true;
  c.track_metadata = true;
  DualDatabase dual(schema_of({a, b, c}));
  EXPECT_SAME_SCHEMA_SQL(dual);
  todo_workload(dual, "a_view");
  todo_workload(dual, "b");
  dual.execute("INSERT INTO c(id, description, _metadata) VALUES ('c1', 'x', 'meta')");
  dual.execute("UPDATE a_view SET description = 'zz', _metadata = 'm' WHERE id = 't4'");
  EXPECT_SAME_STATE(dual);
}

}  // namespace
}  // namespace powersync::conformance
