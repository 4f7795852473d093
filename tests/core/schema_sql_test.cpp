// Generated SQL, compared with text written out from the official core's generator
// (views.rs, sql_buffer.rs, management.rs): every byte matters, since both implementations
// re-create a view whose stored SQL differs from what they would generate.

#include <gtest/gtest.h>

#include <string>

#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_sql.hpp"

namespace powersync {
namespace {

// The official core's test table: a text, b integer.
Table test_table() {
  Table table;
  table.name = "table";
  table.columns = {{"a", ColumnType::text}, {"b", ColumnType::integer}};
  return table;
}

#define NEW_AB R"(json_object('a', powersync_strip_subtype(NEW."a"), 'b', powersync_strip_subtype(NEW."b")))"
#define OLD_AB R"(json_object('a', powersync_strip_subtype(OLD."a"), 'b', powersync_strip_subtype(OLD."b")))"
#define CHECK_ID_VALID                                                                                           \
  "SELECT CASE WHEN (NEW.id IS NULL) THEN RAISE (FAIL, 'id is required') WHEN (typeof(NEW.id) != 'text') THEN " \
  "RAISE (FAIL, 'id should be text') END;\n"
#define CHECK_ID_UNCHANGED "SELECT CASE WHEN (OLD.id != NEW.id) THEN RAISE (FAIL, 'Cannot update id') END;\n"

TEST(SchemaSql, Quoting) {
  EXPECT_EQ(quote_identifier("foo"), R"("foo")");
  EXPECT_EQ(quote_identifier(R"(foo"bar)"), R"("foo""bar")");
  EXPECT_EQ(quote_string("foo"), "'foo'");
  EXPECT_EQ(quote_string("foo'bar"), "'foo''bar'");
  EXPECT_EQ(quote_string("foo'"), "'foo'''");
}

TEST(SchemaSql, View) {
  EXPECT_EQ(view_sql(test_table()),
            R"(CREATE VIEW "table"("id", "a", "b") AS SELECT id, CAST(json_extract(data, '$.a') as text), )"
            R"(CAST(json_extract(data, '$.b') as integer) FROM "ps_data__table" -- powersync-auto-generated)");
}

TEST(SchemaSql, ViewWithoutColumnsWithOverrideAndReal) {
  Table table;
  table.name = "empty";
  EXPECT_EQ(view_sql(table), R"(CREATE VIEW "empty"("id") AS SELECT id FROM "ps_data__empty" -- powersync-auto-generated)");
  table.columns = {{"w", ColumnType::real}};
  table.view_name_override = "shown";
  table.local_only = true;
  EXPECT_EQ(view_sql(table), R"(CREATE VIEW "shown"("id", "w") AS SELECT id, CAST(json_extract(data, '$.w') as real) )"
                             R"(FROM "ps_data_local__empty" -- powersync-auto-generated)");
}

TEST(SchemaSql, ViewWithMetadata) {
  Table table = test_table();
  table.track_metadata = true;
  EXPECT_EQ(view_sql(table), R"(CREATE VIEW "table"("id", "a", "b", "_metadata", "_deleted") AS SELECT id, )"
                             R"(CAST(json_extract(data, '$.a') as text), CAST(json_extract(data, '$.b') as integer), )"
                             R"(NULL, NULL FROM "ps_data__table" -- powersync-auto-generated)");
}

TEST(SchemaSql, Triggers) {
  const Table table = test_table();
  EXPECT_EQ(insert_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_insert_table\" INSTEAD OF INSERT ON \"table\" FOR EACH ROW BEGIN\n" CHECK_ID_VALID
            "INSERT INTO \"ps_data__table\" SELECT NEW.id, " NEW_AB ";\n"
            "INSERT INTO powersync_crud(op,id,type,data) VALUES ('PUT', NEW.id, 'table', json(powersync_diff('{}', " NEW_AB
            ")));\nEND");
  EXPECT_EQ(update_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_update_table\" INSTEAD OF UPDATE ON \"table\" FOR EACH ROW BEGIN\n" CHECK_ID_UNCHANGED
            "UPDATE \"ps_data__table\" SET data = " NEW_AB " WHERE id = NEW.id;\n"
            "INSERT INTO powersync_crud(op,id,type,data,options) VALUES ('PATCH', NEW.id, 'table', "
            "json(powersync_diff(" OLD_AB ", " NEW_AB ")), 0);\nEND");
  EXPECT_EQ(delete_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_delete_table\" INSTEAD OF DELETE ON \"table\" FOR EACH ROW BEGIN\n"
            "DELETE FROM \"ps_data__table\" WHERE id = OLD.id;\n"
            "INSERT INTO powersync_crud(op,id,type) VALUES ('DELETE', OLD.id, 'table');\nEND");
}

TEST(SchemaSql, TriggersUseTheViewNameAndTheTableName) {
  Table table = test_table();
  table.view_name_override = "it's";
  const std::string insert = insert_trigger_sql(table);
  EXPECT_EQ(insert.rfind(R"(CREATE TRIGGER "ps_view_insert_it's" INSTEAD OF INSERT ON "it's" FOR EACH ROW BEGIN)", 0), 0u)
      << insert;
  EXPECT_NE(insert.find("VALUES ('PUT', NEW.id, 'table', "), std::string::npos);
}

TEST(SchemaSql, LocalOnlyTablesWriteNoCrud) {
  Table table = test_table();
  table.local_only = true;
  table.insert_only = true;  // ignored for local-only tables
  EXPECT_EQ(insert_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_insert_table\" INSTEAD OF INSERT ON \"table\" FOR EACH ROW BEGIN\n"
            "INSERT INTO \"ps_data_local__table\" SELECT NEW.id, " NEW_AB ";\nEND");
  EXPECT_EQ(update_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_update_table\" INSTEAD OF UPDATE ON \"table\" FOR EACH ROW BEGIN\n" CHECK_ID_UNCHANGED
            "UPDATE \"ps_data_local__table\" SET data = " NEW_AB " WHERE id = NEW.id;\nEND");
  EXPECT_EQ(delete_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_delete_table\" INSTEAD OF DELETE ON \"table\" FOR EACH ROW BEGIN\n"
            "DELETE FROM \"ps_data_local__table\" WHERE id = OLD.id;\nEND");
}

TEST(SchemaSql, InsertOnlyTablesQueueInsertsOnly) {
  Table table = test_table();
  table.insert_only = true;
  EXPECT_EQ(insert_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_insert_table\" INSTEAD OF INSERT ON \"table\" FOR EACH ROW BEGIN\n" CHECK_ID_VALID
            "INSERT INTO powersync_crud_(data) VALUES(json_object('op', 'PUT', 'type', 'table', 'id', NEW.id, "
            "'data', json(powersync_diff('{}', " NEW_AB "))));END");
  EXPECT_EQ(update_trigger_sql(table), "");
  EXPECT_EQ(delete_trigger_sql(table), "");
}

TEST(SchemaSql, Metadata) {
  Table table = test_table();
  table.track_metadata = true;
  EXPECT_EQ(insert_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_insert_table\" INSTEAD OF INSERT ON \"table\" FOR EACH ROW BEGIN\n" CHECK_ID_VALID
            "INSERT INTO \"ps_data__table\" SELECT NEW.id, " NEW_AB ";\n"
            "INSERT INTO powersync_crud(op,id,type,data,metadata) VALUES ('PUT', NEW.id, 'table', "
            "json(powersync_diff('{}', " NEW_AB ")), NEW._metadata);\nEND");
  EXPECT_EQ(update_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_update_table\" INSTEAD OF UPDATE ON \"table\" FOR EACH ROW  WHEN NEW._deleted IS "
            "NOT TRUE BEGIN\n" CHECK_ID_UNCHANGED "UPDATE \"ps_data__table\" SET data = " NEW_AB " WHERE id = NEW.id;\n"
            "INSERT INTO powersync_crud(op,id,type,data,metadata,options) VALUES ('PATCH', NEW.id, 'table', "
            "json(powersync_diff(" OLD_AB ", " NEW_AB ")), NEW._metadata, 4);\nEND");
  EXPECT_EQ(delete_trigger_sql(table),
            "CREATE TRIGGER \"ps_view_delete_table\" INSTEAD OF DELETE ON \"table\" FOR EACH ROW BEGIN\n"
            "DELETE FROM \"ps_data__table\" WHERE id = OLD.id;\n"
            "INSERT INTO powersync_crud(op,id,type) VALUES ('DELETE', OLD.id, 'table');\nEND;\n"
            "CREATE TRIGGER \"ps_view_delete2_table\" INSTEAD OF UPDATE ON \"table\" FOR EACH ROW WHEN NEW._deleted IS "
            "TRUE BEGIN DELETE FROM \"ps_data__table\" WHERE id = OLD.id; "
            "INSERT INTO powersync_crud(op,id,type,metadata) VALUES ('DELETE', OLD.id, 'table', NEW._metadata);\nEND");
}

TEST(SchemaSql, IncludeOldForAllColumns) {
  Table table = test_table();
  table.track_previous.enabled = true;
  EXPECT_NE(update_trigger_sql(table).find(
                "INSERT INTO powersync_crud(op,id,type,data,old_values,options) VALUES ('PATCH', NEW.id, 'table', "
                "json(powersync_diff(" OLD_AB ", " NEW_AB ")), " OLD_AB ", 0);\n"),
            std::string::npos)
      << update_trigger_sql(table);
  EXPECT_NE(delete_trigger_sql(table).find(
                "INSERT INTO powersync_crud(op,id,type,old_values) VALUES ('DELETE', OLD.id, 'table', " OLD_AB ");\n"),
            std::string::npos)
      << delete_trigger_sql(table);
  // Inserts have no previous values.
  EXPECT_EQ(insert_trigger_sql(table).find("old_values"), std::string::npos);
}

TEST(SchemaSql, IncludeOldForSomeColumnsOnlyWhenChanged) {
  Table table = test_table();
  table.track_previous = {true, {"b"}, true};
  table.ignore_empty_updates = true;
  const std::string expected =
      "INSERT INTO powersync_crud(op,id,type,data,old_values,options) VALUES ('PATCH', NEW.id, 'table', "
      "json(powersync_diff(" OLD_AB ", " NEW_AB ")), json(powersync_diff(json_object('b', "
      "powersync_strip_subtype(NEW.\"b\")), json_object('b', powersync_strip_subtype(OLD.\"b\")))), 24);\n";
  EXPECT_NE(update_trigger_sql(table).find(expected), std::string::npos) << update_trigger_sql(table);
  // only_when_changed applies to updates; deletes record the filtered old values.
  EXPECT_NE(delete_trigger_sql(table).find("VALUES ('DELETE', OLD.id, 'table', json_object('b', "
                                           "powersync_strip_subtype(OLD.\"b\")));\n"),
            std::string::npos)
      << delete_trigger_sql(table);
}

TEST(SchemaSql, OnlyWhenChangedWithoutIncludeOldStillSetsTheOption) {
  Table table = test_table();
  table.track_previous = {false, {}, true};
  EXPECT_NE(update_trigger_sql(table).find("INSERT INTO powersync_crud(op,id,type,data,options) VALUES"),
            std::string::npos);
  EXPECT_NE(update_trigger_sql(table).find(")), 8);\nEND"), std::string::npos) << update_trigger_sql(table);
}

TEST(SchemaSql, IgnoreEmptyUpdateOption) {
  Table table = test_table();
  table.ignore_empty_updates = true;
  EXPECT_NE(update_trigger_sql(table).find(")), 16);\nEND"), std::string::npos) << update_trigger_sql(table);
}

TEST(SchemaSql, ManyColumnsAreMergedInChunksOfFifty) {
  Table table;
  table.name = "wide";
  for (int i = 0; i < 101; ++i) table.columns.push_back({"c" + std::to_string(i), ColumnType::text});
  auto pairs = [](int from, int to) {
    std::string out = "json_object(";
    for (int i = from; i < to; ++i) {
      if (i != from) out += ", ";
      out += "'c" + std::to_string(i) + "', powersync_strip_subtype(NEW.\"c" + std::to_string(i) + "\")";
    }
    return out + ")";
  };
  const std::string merged =
      "powersync_json_merge(" + pairs(0, 50) + ", " + pairs(50, 100) + ", " + pairs(100, 101) + ")";
  EXPECT_NE(insert_trigger_sql(table).find("INSERT INTO \"ps_data__wide\" SELECT NEW.id, " + merged + ";\n"),
            std::string::npos);

  table.columns.resize(50);  // exactly fifty still fit one call
  EXPECT_NE(insert_trigger_sql(table).find("SELECT NEW.id, " + pairs(0, 50) + ";\n"), std::string::npos);
}

TEST(SchemaSql, Index) {
  Table table = test_table();
  const Index index{"index", {{"a", true, ColumnType::text}, {"b", false, ColumnType::integer}}};
  EXPECT_EQ(index_sql(table, index),
            R"(CREATE INDEX "ps_data__table__index" ON "ps_data__table"(CAST(json_extract(data, '$.a') as text), )"
            R"(CAST(json_extract(data, '$.b') as integer) DESC))");
  table.local_only = true;
  EXPECT_EQ(index_sql(table, Index{"i", {{"b", true, ColumnType::real}}}),
            R"(CREATE INDEX "ps_data_local__table__i" ON "ps_data_local__table"(CAST(json_extract(data, '$.b') as real)))");
}

}  // namespace
}  // namespace powersync
